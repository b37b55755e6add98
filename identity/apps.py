from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = "Identidad y acceso"

    def ready(self):
        from . import signals  # noqa: F401 - receivers of Django's sign-in signals
