"""The cooperative's own cards, as the payments that credit them see them, without ``transfers``
importing ``credits`` (they are of one layer): the credits app registers the lookup from its
``AppConfig.ready``.

A card is found by its token (``common.cards.card_token``): the number itself is never stored.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple


class CardAccount(NamedTuple):
    """A cooperative card that can be paid: its ledger account (whose balance is the credit
    still available), its holder and its masked number; then what its owner may be offered:
    the minimum payment and the total owed."""

    account_id: int
    holder_name: str
    masked: str
    owner_id: int
    id_type: str
    identification: str
    minimum: Decimal
    total: Decimal


# lookup(token) → CardAccount, or None when no active card of the cooperative has that number.
_lookups: list[Callable[[str], CardAccount | None]] = []


def register_card_lookup(lookup: Callable[[str], CardAccount | None]) -> None:
    if lookup not in _lookups:
        _lookups.append(lookup)


def card_account_for(token: str) -> CardAccount | None:
    """The active card of the cooperative whose number has this token, or None."""
    for lookup in _lookups:
        found = lookup(token)
        if found is not None:
            return found
    return None
