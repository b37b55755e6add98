"""Staff changes to a member's loans and cards (the admin): the row and the version of the
member's cached position change in one transaction."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from accounts.models import Account, Channel, InternalAccount, Product, TransactionKind
from accounts.services.ledger import Leg, internal_account_id, transaction_post
from common.cards import card_is_valid, card_mask, card_token
from common.refusal import Refusal
from identity.services.audit import audit_record
from identity.services.members import member_products_changed

from .models import Card, Loan


class CardError(Refusal):
    """Why a card cannot get its ledger account."""


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


def card_account_number(card: Card) -> str:
    """The ledger account of a card: 7700 and the card's id (no deposit account starts so)."""
    return f"7700{card.pk:08d}"


def card_account_open(*, card: Card, number: str = "", user=None) -> Card:
    """Gives a credit card its ledger account: the credit limit posted from the card portfolio
    (CUPO), then what is already used posted back to it (CONSUMOS), so the account's balance is
    the credit still available. ``number`` (the full card number, checked with Luhn) sets the
    token payments find the card by and its masked number; it is not kept. Once per card: the
    postings' keys come from the card, and a card that has its account is returned as is."""
    if card.kind != Card.Kind.CREDIT:
        raise CardError(gettext("Solo las tarjetas de crédito tienen cupo."))
    if number and not card_is_valid(number):
        raise CardError(gettext("El número de tarjeta no es válido."), "number")
    with transaction.atomic():
        card = Card.objects.select_for_update().get(pk=card.pk)
        if number:
            card.number_token, card.masked_number = card_token(number), card_mask(number)
        if card.account_id is None:
            card.account = Account.objects.create(
                number=card_account_number(card), product=Product.CREDIT_CARD, owner=card.owner
            )
            _card_post(card, card.credit_limit, "CUPO TARJETA DE CRÉDITO", "open", user)
            used = card.used_revolving + card.used_deferred
            _card_post(card, -used, "CONSUMOS TARJETA DE CRÉDITO", "used", user)
            card.account.refresh_from_db()
        card.save()
        member_products_changed(member_ids=[card.owner_id])
        audit_record(
            actor=user,
            action="card.account_open",
            target=card,
            after={"card": card.masked_number, "account": card.account.number},
        )
    return card


def _card_post(card: Card, amount, description: str, step: str, user) -> None:
    if not amount:
        return
    portfolio = internal_account_id(InternalAccount.CARD_PORTFOLIO)
    transaction_post(
        kind=TransactionKind.ADJUSTMENT,
        legs=[Leg(card.account_id, amount, description), Leg(portfolio, -amount, description)],
        idempotency_key=f"card-{step}-{card.pk}",
        channel=Channel.SYSTEM,
        memo=description,
        initiated_by=user,
        details={"card": card.masked_number},
    )
