from django.apps import AppConfig


class PayrollConfig(AppConfig):
    name = "payroll"
    verbose_name = "Pagos masivos"

    def ready(self):
        from accounts.registries.operations import register_operation

        from .services import reports  # noqa: F401 - Consultas' rows of a bulk payment
        from .services.operations import PAYROLL

        register_operation(PAYROLL)
