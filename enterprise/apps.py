from django.apps import AppConfig


class EnterpriseConfig(AppConfig):
    name = "enterprise"
    verbose_name = "Banca empresas"

    def ready(self):
        # The enterprise app plugs into the layers below it; none of them imports it.
        from accounts.registries.operations import register_channel, register_precheck
        from accounts.registries.permissions import register_permission
        from accounts.registries.scopes import (
            register_account_scope,
            register_audit_scope,
            register_debit_scope,
        )

        from .selectors import payment_queries  # noqa: F401  (registers Consultas rows)
        from .selectors.access import account_scope_for
        from .services import operations
        from .services.approvals import register_operation_runner

        register_account_scope(account_scope_for)
        register_debit_scope(operations.debit_scope_for)
        register_audit_scope(operations.audit_scope_for)
        register_permission(operations.permission_for)
        register_channel(operations.company_channel)
        register_precheck(operations.company_precheck, operations.company_hints)
        register_operation_runner(operations.operation_run, operations.operation_release)
