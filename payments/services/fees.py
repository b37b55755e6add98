"""What a bill payment costs the payer: the biller's fee and the VAT on it, each its own
movement of the same posting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from accounts.services.ledger import CENT


def bill_charges(biller) -> tuple[Decimal, Decimal]:
    """(fee, VAT): the biller's ``fee`` and ``VAT_RATE`` of it rounded half-up to the cent
    ($0.30 → $0.05). A biller without a fee charges nothing."""
    fee = Decimal(biller.fee or 0).quantize(CENT, rounding=ROUND_HALF_UP)
    if fee <= 0:
        return Decimal("0.00"), Decimal("0.00")
    return fee, (fee * settings.VAT_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
