"""Reads of service payments and saved services, and the access helpers every URL goes
through: another customer's payment or saved service is a 404, never a leak."""

from __future__ import annotations

import uuid
from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.registries.permissions import customer_for
from accounts.registries.scopes import account_scope, debit_scope
from accounts.selectors import local_day_bounds
from common.money_input import parse_amount
from common.refusal import Refusal
from identity.models import Member

from ..models import Payment, SavedService

#: the capability of Pago de servicios, Pagos frecuentes and Historial de pagos
CAPABILITY = "PAGO_SERVICIO"
#: reading a payment's receipt also from Consultas (a company's autorizador, who signed it)
RECEIPTS = "payments.receipts"


class KeyReused(Refusal):
    """The same form key came back with other data (a form brought back and changed)."""

    def __init__(self):
        from django.utils.translation import gettext

        super().__init__(gettext("Este pago ya fue registrado con otros datos; inicia uno nuevo."))


def _payments_for(user, *capabilities: str) -> QuerySet[Payment]:
    """The payments this login may read: its customer's, and for a company user only those
    debited from accounts granted to them."""
    member = customer_for(user, *(capabilities or (CAPABILITY,)))
    payments = Payment.objects.select_related("origin", "biller__category", "transaction").filter(
        member=member
    )
    scope = account_scope(user)
    if scope is not None:
        payments = payments.filter(origin__in=scope.values("pk"))
    return payments


def payment_get_for_user(user, pk) -> Payment:
    if not str(pk).isdigit():
        raise Http404
    payment = _payments_for(user, CAPABILITY, RECEIPTS).filter(pk=pk).first()
    if payment is None:
        raise Http404
    return payment


def payment_list(
    *,
    user,
    date_from: date,
    date_to: date,
    category: str = "",
    biller: str = "",
    status: str = "",
) -> QuerySet[Payment]:
    """«Historial de pagos»: the payments of the period (local dates, both included), newest
    first, narrowed by category code, biller code and status."""
    start, end = local_day_bounds(date_from, date_to)
    payments = _payments_for(user).filter(created_at__gte=start, created_at__lt=end)
    if category:
        payments = payments.filter(biller__category__code=category)
    if biller:
        payments = payments.filter(biller__code=biller)
    if status:
        payments = payments.filter(status=status)
    return payments.order_by("-created_at", "-id")


def payment_key(member: Member, key) -> str:
    """The idempotency key of a payment confirmed from a form with ``key``: scoped to the
    customer, so a key typed into a form can never reach another's payment."""
    return f"ps-{member.pk}-{key}"


def payment_already_done(*, member: Member, post) -> Payment | None:
    """The payment a re-posted confirm already made (double click, reload, back button): its
    receipt is shown again. The same key with another amount or origin raises ``KeyReused``."""
    try:
        key = uuid.UUID(post.get("key", ""))
    except ValueError:
        return None
    done = Payment.objects.filter(idempotency_key=payment_key(member, key), member=member).first()
    if done is None:
        return None
    try:
        same = str(done.origin_id) == post.get("origin") and (
            not post.get("amount") or parse_amount(post.get("amount", "")) == done.amount
        )
    except ValueError:
        same = False
    if not same:
        raise KeyReused
    return done


# --- Saved services («Pagos frecuentes») ------------------------------------------------------


def saved_services_of(member: Member, *, category: str = "", text: str = "") -> QuerySet:
    rows = SavedService.objects.filter(
        owner=member, deleted_at__isnull=True, biller__active=True
    ).select_related("biller__category")
    if category:
        rows = rows.filter(biller__category__code=category)
    text = (text or "").strip()[:40]
    if text:
        rows = rows.filter(
            Q(alias__icontains=text) | Q(biller__name__icontains=text) | Q(reference__contains=text)
        )
    return rows.order_by("biller__category__position", "biller__name", "alias")


def saved_service_get_for_user(user, pk) -> SavedService:
    member = customer_for(user, CAPABILITY)
    if not str(pk).isdigit():
        raise Http404
    saved = (
        SavedService.objects.select_related("biller__category")
        .filter(pk=pk, owner=member, deleted_at__isnull=True)
        .first()
    )
    if saved is None:
        raise Http404
    return saved


def last_origin_for(*, user, member: Member, biller, reference: str) -> int | None:
    """The account the last payment of this service was debited from, if this login may
    still debit it (to prefill «Pagar» from «Pagos frecuentes»)."""
    payments = Payment.objects.filter(member=member, biller=biller, reference=reference)
    scope = debit_scope(user)
    if scope is not None:
        payments = payments.filter(origin__in=scope.values("pk"))
    last = payments.order_by("-created_at", "-id").values_list("origin_id", flat=True).first()
    return last
