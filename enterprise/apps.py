from django.apps import AppConfig


class EnterpriseConfig(AppConfig):
    name = "enterprise"
    verbose_name = "Banca empresas"

    def ready(self):
        from . import executors  # noqa: F401 - registers what approved orders run
