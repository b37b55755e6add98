from django.apps import AppConfig


class CreditsConfig(AppConfig):
    name = "credits"
    verbose_name = "Créditos y tarjetas"

    def ready(self):
        from accounts.registries.position import register_section

        from .selectors import cards_section, loans_section

        register_section(loans_section)
        register_section(cards_section)
