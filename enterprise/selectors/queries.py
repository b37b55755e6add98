"""Consultas → Transacciones generales: the company's orders by tab, state and date, and what
each one did to its beneficiaries.

Selectors only: nothing here changes data. Who sees what:
- "Consultas: todas" (``Service.QUERIES_ALL``) sees every tab;
- "Consultas: pendientes" (``Service.QUERIES_PENDING``) only the pending orders;
- either way only the company's orders debited from accounts the user was granted.

Each kind of order says who its beneficiaries are through ``BENEFICIARIES``: the transfers
register theirs below; payroll registers its own. What a kind is called is its registered
operation's label (``accounts.registries.operations``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from accounts.registries.operations import operation_spec
from accounts.selectors import local_day_bounds
from common.formatting import date_short
from transfers.models import Institution, Transfer
from transfers.services import operations as transfer_operations
from transfers.services.holders import holder_name_masked

from ..models import Approval, ApprovalOrder, CompanyUser, Service
from .access import accounts_of, can

Status = ApprovalOrder.Status

PAGE_SIZE = 50
# A custom range spans at most this many months.
MAX_RANGE_MONTHS = 12
# Downloads are built while the person waits: above these the query must be narrowed (a PDF
# of 1,000 orders takes WeasyPrint about 5 s; an XLSX of 10,000 about 1.5 s).
EXPORT_MAX_ROWS = 10_000
PDF_MAX_ROWS = 1_000

# --- Kinds -------------------------------------------------------------------------------------


def kind_label(kind: str) -> str:
    """The readable name of a kind: its operation's label, or the kind as stored when no
    operation by that code is registered (any more)."""
    spec = operation_spec(kind)
    return str(spec.label) if spec is not None else kind


# --- Tabs --------------------------------------------------------------------------------------

TAB_ALL = "todas"
TAB_PENDING = "pendientes"
TAB_APPROVED = "aprobadas"
TAB_REJECTED = "rechazadas"

#: tab → (label, the one status it shows, or None for every status)
TABS: dict[str, tuple[str, str | None]] = {
    TAB_ALL: (_("Todas"), None),
    TAB_PENDING: (_("Pendientes"), Status.PENDING),
    TAB_APPROVED: (_("Aprobadas"), Status.EXECUTED),
    TAB_REJECTED: (_("Rechazadas"), Status.REJECTED),
}


def tabs_for_profile(profile: CompanyUser | None) -> list[str]:
    """The tabs this user may open, in display order; none without a Consultas service."""
    if can(profile, Service.QUERIES_ALL):
        return list(TABS)
    if can(profile, Service.QUERIES_PENDING):
        return [TAB_PENDING]
    return []


# --- The orders --------------------------------------------------------------------------------


def _visible_orders(profile: CompanyUser) -> QuerySet[ApprovalOrder]:
    # Another company's orders never appear; users see the accounts they were granted; with
    # "Consultas: pendientes" only, nothing but the pending ones.
    orders = ApprovalOrder.objects.filter(
        company=profile.company, debit_account__in=accounts_of(profile)
    )
    if TAB_ALL not in tabs_for_profile(profile):
        orders = orders.filter(status=Status.PENDING)
    return orders


def order_list_for_profile(
    *,
    profile: CompanyUser,
    tab: str,
    date_from: date,
    date_to: date,
    status: str = "",
) -> QuerySet[ApprovalOrder]:
    """The orders created between two local dates (both included), newest first. ``status``
    narrows the "Todas" tab; the other tabs are a status each. A tab the user may not open
    lists nothing (the view answers 403 before asking)."""
    if tab not in tabs_for_profile(profile):
        return ApprovalOrder.objects.none()
    start, end = local_day_bounds(date_from, date_to)
    orders = _visible_orders(profile).filter(created_at__gte=start, created_at__lt=end)
    tab_status = TABS[tab][1]
    if tab_status:
        orders = orders.filter(status=tab_status)
    elif status:
        orders = orders.filter(status=status)
    return orders.select_related("debit_account").order_by("-created_at", "-id")


def export_limit(fmt: str) -> int:
    """How many orders one download may carry (a PDF takes far longer to build)."""
    if fmt == "pdf":
        return getattr(settings, "ENTERPRISE_QUERY_PDF_MAX_ROWS", PDF_MAX_ROWS)
    return getattr(settings, "ENTERPRISE_QUERY_EXPORT_MAX_ROWS", EXPORT_MAX_ROWS)


def query_description(*, tab: str, date_from: date, date_to: date, status: str = "") -> str:
    """What a download covers, in words: "Todas · Desde 01/ene./2026 – Hasta 31/ene./2026"."""
    parts = [
        str(TABS[tab][0]),
        gettext("Desde %(date_from)s – Hasta %(date_to)s")
        % {"date_from": date_short(date_from), "date_to": date_short(date_to)},
    ]
    if status and not TABS[tab][1]:
        parts.append(gettext("Estado: %(status)s") % {"status": Status(status).label})
    return " · ".join(parts)


def order_total(orders: QuerySet[ApprovalOrder]) -> Decimal:
    return orders.order_by().aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


def order_get_for_profile(*, profile: CompanyUser, order_id: int) -> ApprovalOrder:
    """One order the user may look into, or a 404 (another company's, another account's, or
    — with "Consultas: pendientes" only — one no longer pending)."""
    try:
        return (
            _visible_orders(profile)
            .select_related("debit_account", "company__member")
            .get(pk=order_id)
        )
    except ApprovalOrder.DoesNotExist:
        raise Http404 from None


def approval_list_for_order(order: ApprovalOrder) -> QuerySet[Approval]:
    """Autorizadores: each signature or rejection, in the order they came."""
    return order.approvals.select_related("user").order_by("at", "id")


@dataclass(frozen=True)
class OrderLine:
    """One order as the list and the downloads show it."""

    pk: int
    account: str
    created_at: datetime
    authorized_at: datetime | None
    amount: Decimal
    kind: str
    concept: str
    status: str


def order_line(order: ApprovalOrder) -> OrderLine:
    return OrderLine(
        pk=order.pk,
        account=order.debit_account.masked_number,
        created_at=order.created_at,
        authorized_at=order.decided_at if order.status == Status.EXECUTED else None,
        amount=order.amount,
        kind=kind_label(order.kind),
        concept=order.concept,
        status=order.get_status_display(),
    )


# --- Beneficiaries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BeneficiaryRow:
    """One beneficiary of an order and what became of its money."""

    identification: str
    name: str
    account: str  # masked
    institution: str
    amount: Decimal
    status: str
    reason: str = ""


#: kind → function(order) → its beneficiaries; registered by the operations' modules.
BENEFICIARIES: dict[str, Callable[[ApprovalOrder], list[BeneficiaryRow]]] = {}


def beneficiaries(kind: str):
    def register(function):
        BENEFICIARIES[kind] = function
        return function

    return register


def beneficiary_list_for_order(order: ApprovalOrder) -> list[BeneficiaryRow]:
    """Beneficiarios: empty for a kind that did not register how to tell them."""
    function = BENEFICIARIES.get(order.kind)
    return function(order) if function else []


def mask(number: str) -> str:
    """Like ``Account.masked_number``, for any account number."""
    return "*****" + number[-4:] if number else ""


def order_state(order: ApprovalOrder) -> tuple[str, str]:
    """What a beneficiary of an order that did not execute reads: the order's state and why."""
    reason = order.failure_reason
    if order.status == Status.REJECTED:
        rejection = order.approvals.filter(decision=Approval.Decision.REJECT).first()
        reason = rejection.reason if rejection else ""
    return order.get_status_display(), reason


def order_transfer(order: ApprovalOrder) -> Transfer | None:
    """The transfer an executed order made (``order.result["transfer"]``)."""
    transfer_id = (order.result or {}).get("transfer")
    if order.status != Status.EXECUTED or not transfer_id:
        return None
    return (
        Transfer.objects.select_related("destination__owner", "institution")
        .filter(pk=transfer_id, member=order.company.member)
        .first()
    )


def _cooperative() -> str:
    return settings.COOPERATIVE["legal_name"]


def _internal(order: ApprovalOrder) -> list[BeneficiaryRow]:
    """Own and Cooprogreso transfers: credited the moment they execute."""
    transfer = order_transfer(order)
    if transfer is not None:
        destination = transfer.destination
        status = (
            Transfer.Status.CREDITED.label
            if transfer.status == Transfer.Status.DONE
            else transfer.get_status_display()
        )
        reason = transfer.return_reason
    else:
        destination = (
            Account.objects.select_related("owner")
            .filter(pk=order.payload.get("destination"))
            .first()
        )
        status, reason = order_state(order)
    owner = destination.owner if destination else None
    other = owner is not None and owner.pk != order.company.member_id
    return [
        BeneficiaryRow(
            # Another member's data, masked as the transfer form showed it.
            identification=(mask(owner.identification) if other else owner.identification)
            if owner
            else "",
            name=(holder_name_masked(owner.full_name) if other else owner.full_name)
            if owner
            else "",
            account=destination.masked_number if destination else "",
            institution=_cooperative(),
            amount=transfer.amount if transfer else order.amount,
            status=str(status),
            reason=reason,
        )
    ]


beneficiaries(transfer_operations.OWN.code)(_internal)
beneficiaries(transfer_operations.MEMBER.code)(_internal)


@beneficiaries(transfer_operations.INTERBANK.code)
def _interbank(order: ApprovalOrder) -> list[BeneficiaryRow]:
    """Pending of sending, sent, credited or returned (with the receiving bank's reason)."""
    transfer = order_transfer(order)
    if transfer is not None:
        return [
            BeneficiaryRow(
                identification=transfer.to_identification,
                name=transfer.to_name,
                account=mask(transfer.to_account_number),
                institution=transfer.institution.name if transfer.institution else "",
                amount=transfer.amount,
                status=transfer.get_status_display(),
                reason=transfer.return_reason,
            )
        ]
    payee = order.payload.get("payee", {})
    institution = Institution.objects.filter(code=payee.get("institution", "")).first()
    status, reason = order_state(order)
    return [
        BeneficiaryRow(
            identification=payee.get("identification", ""),
            name=payee.get("name", ""),
            account=mask(payee.get("account_number", "")),
            institution=institution.name if institution else payee.get("institution", ""),
            amount=order.amount,
            status=status,
            reason=reason,
        )
    ]
