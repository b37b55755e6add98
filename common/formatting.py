"""es-EC presentation of money and dates, the way the manuals print them."""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

MONTHS_SHORT = [
    "ene.",
    "feb.",
    "mar.",
    "abr.",
    "may.",
    "jun.",
    "jul.",
    "ago.",
    "sep.",
    "oct.",
    "nov.",
    "dic.",
]
MONTHS_LONG = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
HIDDEN_AMOUNT = "$ ••••••"


def money(value, signed: bool = False) -> str:
    """``$ 1,234.56``; negatives ``-$ 1,234.56``; with ``signed`` positives get a ``+``."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    sign = "-" if amount < 0 else ("+" if signed and amount > 0 else "")
    return f"{sign}$ {abs(amount):,.2f}"


def _local(value):
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def date_short(value) -> str:
    """``24/ene./2026``"""
    if not value:
        return ""
    value = _local(value)
    return f"{value.day:02d}/{MONTHS_SHORT[value.month - 1]}/{value.year}"


def datetime_short(value) -> str:
    """``24/ene./2026 09:58``"""
    if not value:
        return ""
    value = _local(value)
    if not isinstance(value, datetime):
        return date_short(value)
    return f"{date_short(value)} {value:%H:%M}"


def month_year(value: date) -> str:
    """``julio 2025``"""
    return f"{MONTHS_LONG[value.month - 1]} {value.year}"


def long_date(value: date) -> str:
    """``Julio 01, 2025`` as the statement prints its cut-off dates."""
    return f"{MONTHS_LONG[value.month - 1].capitalize()} {value.day:02d}, {value.year}"
