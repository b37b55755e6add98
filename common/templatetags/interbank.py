"""What pages tell about interbank transfers, read from settings so a changed fee or cut-off
shows at once: ``{% interbank_fee as fee %}`` (``INTERBANK_FEE``) and ``{% interbank_cutoff as
cutoff %}`` (``INTERBANK_CUTOFF`` as people write it: "15h00")."""

from decimal import Decimal

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def interbank_fee() -> Decimal:
    return settings.INTERBANK_FEE


@register.simple_tag
def interbank_cutoff() -> str:
    hours, minutes = settings.INTERBANK_CUTOFF.split(":")
    return f"{int(hours):02d}h{int(minutes):02d}"
