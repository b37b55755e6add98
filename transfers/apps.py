from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "transfers"

    def ready(self):
        from accounts.registries.operations import register_operation

        from .services.operations import SPECS

        for spec in SPECS.values():
            register_operation(spec)
