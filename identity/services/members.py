"""What other apps tell identity about a member."""

from __future__ import annotations

from django.db.models import F

from ..models import Member


def member_products_changed(*, member_ids) -> None:
    """Call inside the transaction that changes a member's products (accounts, holds, term
    deposits, loans, cards): pages cached for the old version stop being served."""
    ids = sorted({pk for pk in member_ids if pk is not None})
    if ids:
        Member.objects.filter(pk__in=ids).update(products_version=F("products_version") + 1)
