"""What an interbank transfer costs its sender: the SPI fee and the VAT on it, each its own
movement. Transfers and payroll's interbank payments charge the same."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from accounts.services.ledger import CENT


def interbank_fee() -> tuple[Decimal, Decimal]:
    """(fee, VAT): ``INTERBANK_FEE`` and ``VAT_RATE`` of it rounded half-up to the cent
    ($0.36 and $0.05)."""
    fee = settings.INTERBANK_FEE
    return fee, (fee * settings.VAT_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
