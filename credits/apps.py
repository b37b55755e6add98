from django.apps import AppConfig


class CreditsConfig(AppConfig):
    name = "credits"
    verbose_name = "Créditos y tarjetas"

    def ready(self):
        from accounts.registries.cards import register_card_lookup
        from accounts.registries.position import register_section

        from .selectors import card_account_lookup, cards_section, loans_section

        register_section(loans_section)
        register_section(cards_section)
        register_card_lookup(card_account_lookup)
