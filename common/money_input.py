"""Amounts typed by a person, read one strict way by every form and spreadsheet of the portal.

``Decimal()`` alone is far too lenient for that: it takes ``1_000``, ``1E2``, ``+5``, ``NaN``
and any Unicode digit (``١٠٠``, ``１００``), so what a screen shows back, what a log or an
audit row records and what the person typed would differ. An amount here is ASCII digits,
optionally a point and decimals: the shape every example on the portal shows ("20.00"). No
sign, exponent, underscore or thousands separator (the portal never accepted one). How many
decimals is the field's rule (``decimal_places``), so each form keeps its own message for it.

Imports nothing of the project: any app's forms may use it.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

# [0-9], not \d: in Python \d matches every Unicode decimal digit.
AMOUNT_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def parse_amount(text: str) -> Decimal:
    """The amount ``text`` spells, exactly (no rounding); ``ValueError`` if it is not one."""
    if not isinstance(text, str):
        raise ValueError("an amount is read from text")
    text = text.strip()
    if not AMOUNT_RE.fullmatch(text):
        raise ValueError("not an amount")
    return Decimal(text)


class MoneyField(forms.DecimalField):
    """A ``DecimalField`` (two decimals unless told) whose text is read by ``parse_amount``.

    A typed minus ("-3") is refused with its own message, ``negative``: it is not a malformed
    amount but a wrong one, and saying "must be more than zero" helps more.
    """

    default_error_messages = {
        "negative": _("El monto no puede ser negativo."),
    }

    def __init__(self, *, decimal_places=2, **kwargs):
        super().__init__(decimal_places=decimal_places, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):  # an initial value, never typed
            value = format(value, "f")
        text = str(value).strip()
        try:
            return parse_amount(text)
        except ValueError:
            negative = text.startswith("-") and AMOUNT_RE.fullmatch(text[1:])
            code = "negative" if negative else "invalid"
            raise forms.ValidationError(self.error_messages[code], code=code) from None
