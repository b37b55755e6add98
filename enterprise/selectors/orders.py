"""Reads of "Autorizar" and an order's page: the company's orders a user may see, the pending
ones (searchable, past-time ones left out), how many this login could still sign, what stops
it from signing or rejecting one now (``approval_blocker``, said before any code), what an
order pays and to whom (``order_view``), and the payees waiting for an authorizer. An id
outside them is a 404."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Account
from accounts.registries.operations import Payload, operation_spec
from common.formatting import date_short, datetime_short
from identity.models import IdType
from payments.models import Biller, Schedule
from payments.services.fees import bill_charges
from transfers.models import Beneficiary, Institution
from transfers.services.fees import interbank_fee
from transfers.services.holders import holder_name_masked

from ..models import Approval, ApprovalOrder, CompanyUser, Operation
from ..services.approvals import Blocker, decide_blocker, required_signatures, sign_blocker
from .access import account_allowed, accounts_of
from .levels import level_positions
from .queries import kind_label, mask


def orders_for_profile(profile: CompanyUser) -> QuerySet[ApprovalOrder]:
    # Another company's orders never appear; approvers see the accounts they were granted.
    return ApprovalOrder.objects.filter(
        company=profile.company, debit_account__in=accounts_of(profile)
    ).select_related("debit_account", "created_by")


def order_get_for_company_user(*, profile: CompanyUser, pk: int) -> ApprovalOrder:
    """One order of the user's company on an account they may use; any other id is a 404."""
    return get_object_or_404(orders_for_profile(profile), pk=pk)


def pending_orders_for_profile(profile: CompanyUser, query: str = "") -> QuerySet[ApprovalOrder]:
    """The pending orders not past their time (as the menu counts them: one past it can no
    longer be signed); ``query`` matches the concept, the origin account, another bank's
    payee by name or the amount."""
    rows = orders_for_profile(profile).filter(
        status=ApprovalOrder.Status.PENDING, expires_at__gt=timezone.now()
    )
    if query:
        matches = (
            Q(concept__icontains=query)
            | Q(debit_account__number__contains=query)
            | Q(payload__payee__name__icontains=query)
        )
        amount = _decimal(query)
        if amount is not None:
            matches |= Q(amount=amount)
        rows = rows.filter(matches)
    return rows


def pending_views_for_profile(profile: CompanyUser, query: str = "") -> list[OrderView]:
    """The pending list as it is shown: each order with its type and payee, and what stops
    this login from signing it (``blocker``: "ya firmaste") or rejecting it, if anything."""
    views = order_views(pending_orders_for_profile(profile, query))
    blockers = sign_blockers(profile, [view.order for view in views])
    return [
        dataclasses.replace(
            view,
            blocker=blockers[view.order.pk],
            reject_blocker=_expired(view.order)
            or decide_blocker(view.order, profile, account_ok=True),
        )
        for view in views
    ]


# --- Whether this login may sign or reject an order now -----------------------------------------


def approval_blocker(order: ApprovalOrder, profile: CompanyUser) -> Blocker | None:
    """Why this login cannot sign the order now, said before any code is asked for: past its
    time, no longer pending, the engine's checks (``services.approvals.sign_blocker``); None
    when it can. The engine checks again when it signs."""
    return _expired(order) or sign_blocker(
        order,
        profile,
        account_ok=account_allowed(profile, order.debit_account),
        approvals=list(order.approvals.values_list("user_id", "decision", "level")),
        positions=level_positions(order.company),
    )


def rejection_blocker(order: ApprovalOrder, profile: CompanyUser) -> Blocker | None:
    """Why this login cannot reject the order now; None when it can."""
    return _expired(order) or decide_blocker(
        order, profile, account_ok=account_allowed(profile, order.debit_account)
    )


def sign_blockers(profile: CompanyUser, orders: list[ApprovalOrder]) -> dict[int, Blocker | None]:
    """``approval_blocker`` of each order of a list read through ``orders_for_profile`` (so on
    an account this login may use), in two queries however many orders there are."""
    approvals: dict[int, list[tuple[int, str, str]]] = {order.pk: [] for order in orders}
    rows = Approval.objects.filter(order__in=list(approvals)).values_list(
        "order_id", "user_id", "decision", "level"
    )
    for order_id, *approval in rows:
        approvals[order_id].append(tuple(approval))
    positions = level_positions(profile.company) if orders else {}
    return {
        order.pk: _expired(order)
        or sign_blocker(
            order, profile, account_ok=True, approvals=approvals[order.pk], positions=positions
        )
        for order in orders
    }


def _expired(order: ApprovalOrder) -> Blocker | None:
    """A pending order past its time: the engine closes it at the next touch."""
    if order.status != ApprovalOrder.Status.PENDING or order.expires_at > timezone.now():
        return None
    return Blocker(
        gettext("Esta operación venció el %(when)s: ya no se puede autorizar ni rechazar.")
        % {"when": datetime_short(order.expires_at)},
        gettext("vencida"),
    )


def orders_to_sign_count(profile: CompanyUser) -> int:
    """How many orders this login could still sign (the menu's "Autorizar (3)"), in one query:
    pending and not past their time, of its company, on an account it may use (all of them
    when it was granted none), neither registered nor signed by it. Whether its level still
    counts for an order is the engine's question when it signs."""
    granted = profile.accounts.all()
    return (
        ApprovalOrder.objects.filter(
            company_id=profile.company_id,
            status=ApprovalOrder.Status.PENDING,
            expires_at__gt=timezone.now(),
        )
        .filter(Q(debit_account__in=granted) | ~Exists(granted))
        .exclude(created_by_id=profile.user_id)
        .exclude(Exists(Approval.objects.filter(order=OuterRef("pk"), user_id=profile.user_id)))
        .count()
    )


def _decimal(text):
    try:
        amount = Decimal(text.replace("$", "").replace(",", "").strip())
    except InvalidOperation:
        return None
    # "NaN" and "Infinity" parse too, and no amount column can hold them.
    return amount.quantize(Decimal("0.01")) if amount.is_finite() and abs(amount) < 10**15 else None


def beneficiaries_waiting(profile: CompanyUser) -> QuerySet[Beneficiary]:
    """The company's payees nobody approved yet, oldest first."""
    return (
        Beneficiary.objects.filter(
            owner=profile.company.member, deleted_at__isnull=True, approved_at__isnull=True
        )
        .select_related("institution", "created_by")
        .order_by("created_at")
    )


def payee_waiting_get_for_company_user(*, profile: CompanyUser, pk: int) -> Beneficiary:
    """One payee of the user's company waiting for approval; any other id is a 404."""
    return get_object_or_404(beneficiaries_waiting(profile), pk=pk)


# --- What an order pays, and to whom ------------------------------------------------------------


@dataclass(frozen=True)
class OrderPayee:
    """Whom an order's money goes to, as an authorizer reads it before signing: another
    member's name masked as the transfer form showed it, an account by its last digits."""

    name: str
    institution: str
    account: str
    identification: str = ""
    #: what ``account`` is: an account number, or a bill's reference
    account_label: str = ""
    #: more lines the authorizer reads (a bill's number and period, a schedule's frequency)
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class OrderSignature:
    who: str
    level: str
    decision: str
    at: datetime
    reason: str = ""


@dataclass(frozen=True)
class OrderView:
    """An order for display: its type in words, its payee (None for a bulk payment, which has
    ``rows``), what it debits and the signatures its rule asks for and has."""

    order: ApprovalOrder
    kind: str
    payee: OrderPayee | None
    rows: int
    interbank_rows: int
    #: the fee and its VAT, when the charges are that (one interbank payment per row)
    fee: Decimal | None
    vat: Decimal | None
    required: tuple[str, ...]
    signatures: tuple[OrderSignature, ...] = ()
    #: in the pending list, what stops this login from signing it, or from rejecting it
    #: (None: it may)
    blocker: Blocker | None = None
    reject_blocker: Blocker | None = None

    @property
    def amount(self) -> Decimal:
        return self.order.amount

    @property
    def charges(self) -> Decimal:
        return self.order.charges

    @property
    def total(self) -> Decimal:
        return self.order.amount + self.order.charges

    @property
    def is_payroll(self) -> bool:
        return self.order.operation == Operation.PAYROLL

    @property
    def rule(self) -> str:
        """The signature rule as the levels page writes it: "A + B"."""
        return " + ".join(self.required)


def order_view(order: ApprovalOrder) -> OrderView:
    """One order as its page, and the pages that sign or reject it, show it."""
    signatures = tuple(
        OrderSignature(
            who=approval.user.get_full_name() or approval.user.username,
            level=approval.level,
            decision=approval.get_decision_display(),
            at=approval.at,
            reason=approval.reason,
        )
        for approval in order.approvals.select_related("user")
    )
    return dataclasses.replace(order_views([order])[0], signatures=signatures)


def order_views(orders: Iterable[ApprovalOrder]) -> list[OrderView]:
    """Orders as a list shows them: their payees' accounts and institutions are read with one
    query each, however many orders there are (``debit_account`` should be selected)."""
    orders = list(orders)
    payloads = {order.pk: _payload(order) for order in orders}
    destinations = {
        destination
        for payload in payloads.values()
        if isinstance(destination := getattr(payload, "destination", None), int)
    }
    accounts = Account.objects.select_related("owner").in_bulk(destinations)
    codes = {
        payee.institution
        for p in payloads.values()
        if (payee := getattr(p, "payee", None) or getattr(p, "card", None))
    }
    billers = Biller.objects.select_related("category").in_bulk(
        {b for p in payloads.values() if isinstance(b := getattr(p, "biller", None), int)}
    )
    institutions = (
        dict(Institution.objects.filter(code__in=codes).values_list("code", "name"))
        if codes
        else {}
    )
    views = [
        _view(
            order,
            payloads[order.pk],
            _biller_payee(payloads[order.pk], billers)
            or _payee(order, payloads[order.pk], accounts, institutions),
        )
        for order in orders
    ]
    return [
        _biller_charges(view, billers.get(getattr(payloads[view.order.pk], "biller", None)))
        for view in views
    ]


def _biller_charges(view: OrderView, biller: Biller | None) -> OrderView:
    """A bill payment's charges as the biller's fee and its VAT, when they still are that."""
    if biller is None:
        return view
    fee, vat = bill_charges(biller)
    if view.order.charges != fee + vat:
        return view
    return dataclasses.replace(view, fee=fee, vat=vat)


def _payload(order: ApprovalOrder) -> Payload | None:
    """The order's payload read back with its types (amount and origin from its columns), as
    the engine reads it to execute; None when no operation by its kind is registered or what
    it stored does not read (an order older than its operation's payload)."""
    spec = operation_spec(order.kind)
    if spec is None:
        return None
    try:
        return spec.payload.from_json(
            order.payload, amount=order.amount, origin=order.debit_account_id
        )
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        return None


def _view(order: ApprovalOrder, payload: Payload | None, payee: OrderPayee | None) -> OrderView:
    interbank_rows = getattr(payload, "interbank", 0) if payee is None else 0
    single = getattr(payload, "payee", None) or getattr(payload, "card", None)
    fee, vat = _fee_parts(order, 1 if single else interbank_rows)
    rows = getattr(payload, "rows", None)
    if rows is None:
        rows = order.payload.get("rows", 0) if isinstance(order.payload, dict) else 0
    return OrderView(
        order=order,
        kind=kind_label(order.kind),
        payee=payee,
        rows=rows,
        interbank_rows=interbank_rows,
        fee=fee,
        vat=vat,
        required=tuple(
            order.required or required_signatures(order.company, order.operation, order.amount)
        ),
    )


def _fee_parts(order: ApprovalOrder, payments: int) -> tuple[Decimal | None, Decimal | None]:
    """The charges split into the fee and its VAT when they are that many interbank fees (the
    rates may have changed since: then only their sum is known)."""
    fee, vat = interbank_fee()
    if payments and order.charges == (fee + vat) * payments:
        return fee * payments, vat * payments
    return None, None


def _payee(order, payload, accounts, institutions) -> OrderPayee | None:
    card = getattr(payload, "card", None)
    if card is not None:
        # A card: by its mask (its number is never stored), the holder as the form showed it.
        return OrderPayee(
            name=card.name,
            institution=institutions.get(card.institution, card.institution),
            account=card.masked,
            identification=_identification(card.id_type, card.identification),
            account_label=gettext("Tarjeta"),
        )
    other_bank = getattr(payload, "payee", None)
    if other_bank is not None:
        # Another bank's account, as the ingresador typed or picked it.
        return OrderPayee(
            name=other_bank.name,
            institution=institutions.get(other_bank.institution, other_bank.institution),
            account=mask(other_bank.account_number),
            identification=_identification(other_bank.id_type, other_bank.identification),
        )
    account = accounts.get(getattr(payload, "destination", None))
    if account is None:
        return None
    owner = account.owner
    own = account.owner_id == order.debit_account.owner_id
    return OrderPayee(
        # Another member's name and identification, masked as the transfer form showed them.
        name=owner.full_name if own else holder_name_masked(owner.full_name),
        institution=settings.COOPERATIVE["name"],
        account=account.masked_number,
        identification=_identification(
            owner.id_type, owner.identification if own else mask(owner.identification)
        ),
    )


def _biller_payee(payload, billers) -> OrderPayee | None:
    """A service payment or a scheduled payment: the biller, its category and the reference
    (what the authorizer compares with the bill), with the bill or the schedule's terms."""
    biller = billers.get(getattr(payload, "biller", None))
    if biller is None:
        return None
    details = []
    if getattr(payload, "bill_number", ""):
        details.append((gettext("Factura"), payload.bill_number))
    if getattr(payload, "bill_period", ""):
        details.append((gettext("Periodo"), payload.bill_period))
    if getattr(payload, "frequency", ""):
        details.extend(_schedule_terms(payload))
    return OrderPayee(
        name=biller.name,
        institution=biller.category.name,
        account=payload.reference,
        account_label=gettext("Referencia"),
        details=tuple(details),
    )


def _schedule_terms(payload) -> list[tuple[str, str]]:
    """What a scheduled payment's order approves besides its maximum: when it pays."""
    frequency = Schedule.Frequency
    if payload.frequency == frequency.MONTHLY and payload.day_of_month:
        when = gettext("El día %(day)s de cada mes") % {"day": payload.day_of_month}
    else:
        when = str(frequency(payload.frequency).label) if payload.frequency in frequency else ""
    return [
        (gettext("Frecuencia"), when),
        (gettext("Desde"), _day(payload.starts_on)),
        (gettext("Hasta"), _day(payload.ends_on) or gettext("Fecha indefinida")),
    ]


def _day(iso: str) -> str:
    try:
        return date_short(date.fromisoformat(iso)) if iso else ""
    except ValueError:
        return iso


def _identification(id_type: str, number: str) -> str:
    if not number:
        return ""
    label = IdType(id_type).label if id_type in IdType.values else ""
    return f"{label} {number}".strip()
