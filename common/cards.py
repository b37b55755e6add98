"""Card numbers (PAN) without keeping them: checked with Luhn (``stdnum.luhn``), kept as a masked
number to show and a keyed hash to find the same card again. The number itself is never stored
(DOMAIN.md: "store and show masked only").

The token is an HMAC keyed with ``SECRET_KEY`` (``salted_hmac``): equal numbers give equal
tokens, and nobody without the key can test a guessed number against a stored token. Rotating
``SECRET_KEY`` changes every token (saved cards would have to be typed again).
"""

from __future__ import annotations

from django.utils.crypto import salted_hmac
from stdnum import luhn

#: lengths of the card numbers the networks issue (ISO/IEC 7812)
MIN_DIGITS, MAX_DIGITS = 13, 19
_SALT = "cooprogreso.cards.number"


def card_digits(number) -> str:
    """The number as typed, without the spaces and dashes people put in it."""
    return "".join(ch for ch in str(number or "") if ch not in " -")


def card_is_valid(number) -> bool:
    """13 to 19 digits whose last one is the Luhn check digit."""
    digits = card_digits(number)
    return digits.isdigit() and MIN_DIGITS <= len(digits) <= MAX_DIGITS and luhn.is_valid(digits)


def card_token(number) -> str:
    """The keyed hash that finds a card again (64 hex characters)."""
    return salted_hmac(_SALT, card_digits(number), algorithm="sha256").hexdigest()


def card_mask(number) -> str:
    """The first six and the last four digits, the rest as X: ``513744XXXXXX5290``."""
    digits = card_digits(number)
    return digits[:6] + "X" * max(len(digits) - 10, 0) + digits[-4:]
