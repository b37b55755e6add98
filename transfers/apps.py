from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "transfers"

    def ready(self):
        from accounts.registries.operations import register_operation

        from .services.operations import CARD_SPECS, SPECS

        for spec in (*SPECS.values(), *CARD_SPECS.values()):
            register_operation(spec)
