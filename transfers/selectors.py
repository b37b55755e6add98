"""Reads of the transfers app, and the access helpers every URL goes through: another
customer's transfer or payee is a 404, never a leak."""

from __future__ import annotations

import uuid

from django.http import Http404
from django.utils.translation import gettext

from accounts.registries.permissions import customer_for
from accounts.registries.scopes import account_scope
from common.money_input import parse_amount
from common.refusal import Refusal

from .models import CARD_KINDS, Beneficiary, Institution, LimitCategory, Transfer
from .services.limits import limits_of, used_of
from .services.operations import CARD_SPECS, SPECS

#: the page names (capabilities) a company grants through its services
TRANSFER_CAPABILITIES = tuple(spec.code for spec in SPECS.values())
RECEIPTS = "transfers.receipts"
BENEFICIARIES_MEMBER = "transfers.beneficiaries.member"
BENEFICIARIES_INTERBANK = "transfers.beneficiaries.interbank"
#: card payees (the company service BENEF_TARJETAS)
BENEFICIARIES_CARD = "BENEF_TARJETAS"
BENEFICIARY_CAPABILITIES = (BENEFICIARIES_MEMBER, BENEFICIARIES_INTERBANK, BENEFICIARIES_CARD)
#: Pago de tarjetas: a card of the cooperative, another institution's
CARD_CAPABILITIES = tuple(spec.code for spec in CARD_SPECS.values())
#: members only: a company's limits are its own (Niveles de firma)
LIMITS = "transfers.limits"


class KeyReused(Refusal):
    """The same form key came back with other data (a form brought back and changed)."""

    def __init__(self):
        super().__init__(
            gettext("Esta operación ya fue registrada con otros datos; inicia una nueva.")
        )


def transfer_get_for_user(user, pk: int) -> Transfer:
    """A transfer's receipt: the customer's own, and for a company user only those of the
    accounts granted to them."""
    member = customer_for(user, *TRANSFER_CAPABILITIES, RECEIPTS)
    transfers = Transfer.objects.select_related(
        "origin", "destination", "institution", "transaction"
    ).filter(member=member)
    scope = account_scope(user)
    if scope is not None:
        transfers = transfers.filter(origin__in=scope.values("pk"))
    transfer = transfers.filter(pk=pk).first()
    if transfer is None:
        raise Http404
    return transfer


def card_payment_get_for_user(user, pk: int) -> Transfer:
    """A card payment's receipt: the customer's own, and for a company user only those of the
    accounts granted to them."""
    member = customer_for(user, *CARD_CAPABILITIES, RECEIPTS)
    payments = Transfer.objects.select_related(
        "origin", "destination", "institution", "transaction"
    ).filter(member=member, kind__in=CARD_KINDS)
    scope = account_scope(user)
    if scope is not None:
        payments = payments.filter(origin__in=scope.values("pk"))
    payment = payments.filter(pk=pk).first()
    if payment is None:
        raise Http404
    return payment


def card_payee_get_for_user(user, pk) -> Beneficiary:
    """A saved card («Pagar» from Pago de tarjetas or Administrar beneficiarios)."""
    beneficiary = beneficiary_get_for_user(user, pk, *CARD_CAPABILITIES)
    if beneficiary.kind != Beneficiary.Kind.CARD:
        raise Http404
    return beneficiary


def beneficiary_get_for_user(user, pk, *capabilities: str) -> Beneficiary:
    member = customer_for(user, *(capabilities or BENEFICIARY_CAPABILITIES))
    if not str(pk).isdigit():
        raise Http404
    beneficiary = Beneficiary.objects.filter(pk=pk, owner=member, deleted_at__isnull=True).first()
    if beneficiary is None:
        raise Http404
    return beneficiary


def transfer_already_done(*, member, post, prefix: str = "tr") -> Transfer | None:
    """The transfer a re-posted confirm already made (double click, reload, back button): its
    receipt is shown again, before any check that the first one's own debit would now fail.
    The same key with other data raises ``KeyReused``. Card payments' keys start "tc"."""
    try:
        key = uuid.UUID(post.get("key", ""))
    except ValueError:
        return None
    done = Transfer.objects.filter(
        idempotency_key=f"{prefix}-{member.pk}-{key}", member=member
    ).first()
    if done is None:
        return None
    try:
        same = parse_amount(post.get("amount", "")) == done.amount and (
            str(done.origin_id) == post.get("origin")
        )
    except ValueError:
        same = False
    if not same:
        raise KeyReused
    return done


def immediate_institutions():
    """ "Instituciones con acreditación inmediata" of the transfers page."""
    return Institution.objects.filter(active=True, settlement=Institution.Settlement.IMMEDIATE)


def limits_overview(member) -> dict:
    """Per category: the limits that apply and what is used of them today, this week and
    this month (the Personalización de cupos page)."""
    result = {}
    for category, _label in LimitCategory.choices:
        daily, weekly, monthly = limits_of(member, category)
        used = used_of(member, category)
        result[category] = {"daily": daily, "weekly": weekly, "monthly": monthly, "used": used}
    return result
