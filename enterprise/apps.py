from django.apps import AppConfig


class EnterpriseConfig(AppConfig):
    name = "enterprise"
    verbose_name = "Banca empresas"

    def ready(self):
        from accounts.registries.scopes import register_account_scope

        from . import executors  # noqa: F401 - registers what approved orders run
        from .access import account_scope_for

        register_account_scope(account_scope_for)
