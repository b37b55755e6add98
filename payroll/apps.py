from django.apps import AppConfig


class PayrollConfig(AppConfig):
    name = "payroll"
    verbose_name = "Pagos masivos"

    def ready(self):
        from . import execution, reports  # noqa: F401 - register the executor and Consultas rows
