from django.apps import AppConfig


class CooperativaConfig(AppConfig):
    name = "cooperativa"
    verbose_name = "Portal"
