from django.apps import AppConfig


class CommonConfig(AppConfig):
    # An app only so that its templates (the pager) and template tags are found.
    name = "common"
    verbose_name = "Utilidades comunes"
