from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Pagos de servicios"

    def ready(self):
        from django.db.models.signals import post_migrate

        from accounts.registries.integrity import register_ledger_check
        from accounts.registries.operations import register_operation

        from .services.bills import in_transit_problems, internal_ids_forget
        from .services.operations import SPECS

        # A flushed or migrated database has new internal accounts: forget the ids kept.
        post_migrate.connect(internal_ids_forget, dispatch_uid="payments-internal-ids")
        from .services.schedules import SCHEDULE

        for spec in SPECS.values():
            register_operation(spec)
        register_operation(SCHEDULE)
        register_ledger_check(in_transit_problems)
