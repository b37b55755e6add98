"""Staff changes to a member's loans and cards (the admin): the row and the version of the
member's cached position change in one transaction."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from identity.services.members import member_products_changed

from .models import Card, Loan


def loan_save(*, loan: Loan) -> Loan:
    with transaction.atomic():
        loan.save()
        member_products_changed(member_ids=[loan.owner_id])
    return loan


def loans_delete(*, loans: QuerySet[Loan]) -> None:
    with transaction.atomic():
        owners = list(loans.values_list("owner_id", flat=True))
        loans.delete()
        member_products_changed(member_ids=owners)


def card_save(*, card: Card) -> Card:
    with transaction.atomic():
        card.save()
        member_products_changed(member_ids=[card.owner_id])
    return card


def cards_delete(*, cards: QuerySet[Card]) -> None:
    with transaction.atomic():
        owners = list(cards.values_list("owner_id", flat=True))
        cards.delete()
        member_products_changed(member_ids=owners)
