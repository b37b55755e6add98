"""How the enterprise app plugs into the operations below it (``accounts.registries``), so that
no domain app imports it: who may use which service, which accounts a user may debit, under
which audit scope a company's changes are recorded, and — the channel — a company user's
confirmed operation becomes an approval order that later runs the operation's own ``execute``
with the order's payload, once. Before the code, the channel's precheck tells the form what
it would refuse (payee rules, company limits) and which signatures the order will wait for.
``EnterpriseConfig.ready`` registers all of it."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.translation import gettext

from accounts.models import Account, Channel
from accounts.registries.operations import (
    Context,
    OperationSpec,
    Outcome,
    Payload,
    Precheck,
    operation_spec,
)
from identity.models import Member
from transfers.selectors import (
    BENEFICIARIES_INTERBANK,
    BENEFICIARIES_MEMBER,
    RECEIPTS,
)
from transfers.services import operations as transfer_operations
from transfers.services.beneficiaries import PAYEE_APPROVED_AT_ONCE

from ..models import ApprovalOrder, CompanyRole, Operation, Service
from ..selectors.access import accounts_of, can, company_user
from . import limits
from .approvals import order_create, required_signatures
from .errors import ApprovalError
from .payees import payee_check

TRANSFER_OWN = transfer_operations.OWN.code
TRANSFER_MEMBER = transfer_operations.MEMBER.code
TRANSFER_INTERBANK = transfer_operations.INTERBANK.code
CARD_PAYMENTS = (transfer_operations.CARD_OWN.code, transfer_operations.CARD_INTERBANK.code)

#: what an order keeps in its own columns, never in its payload
ORDER_COLUMNS = frozenset({"amount", "origin"})

#: capability (an operation's code or a page's name) → the company service that grants it.
CAPABILITY_SERVICES = {
    TRANSFER_OWN: Service.TRANSFER_OWN,
    TRANSFER_MEMBER: Service.TRANSFER_MEMBER,
    TRANSFER_INTERBANK: Service.TRANSFER_INTERBANK,
    BENEFICIARIES_MEMBER: Service.BENEFICIARIES_MEMBER,
    BENEFICIARIES_INTERBANK: Service.BENEFICIARIES_INTERBANK,
    RECEIPTS: Service.QUERIES_ALL,
    "payments.receipts": Service.QUERIES_ALL,
    # Payments (``payments`` and the card payments of ``transfers``): the operation codes,
    # which are also the capabilities their pages ask for.
    "PAGO_SERVICIO": Service.SERVICE_PAYMENT,
    "PAGO_PROGRAMADO": Service.SERVICE_PAYMENT,
    CARD_PAYMENTS[0]: Service.CARD_PAYMENT,
    CARD_PAYMENTS[1]: Service.CARD_PAYMENT,
    "BENEF_TARJETAS": Service.BENEFICIARIES_CARDS,
}


def _company_login(user) -> bool:
    member = getattr(user, "customer", None)
    return member is not None and member.kind == Member.Kind.COMPANY


def permission_for(user, capability: str) -> bool | None:
    """A company login may use what its services grant, nothing else (the limits page, for
    one: a company's money moves through its approval workflow, never by one login alone)."""
    if capability == PAYEE_APPROVED_AT_ONCE:
        # Asked only of a company's payees, whoever saves them: only an active administrator's
        # are usable at once (or everyone's, where the cooperative turned approval off).
        if not settings.ENTERPRISE_BENEFICIARY_APPROVAL:
            return True
        profile = company_user(user) if user is not None else None
        return profile is not None and profile.role == CompanyRole.ADMIN
    if not _company_login(user):
        return None
    profile = company_user(user)
    service = CAPABILITY_SERVICES.get(capability)
    return service is not None and can(profile, service)


def debit_scope_for(user):
    """The company accounts this user may debit; None for members."""
    if not _company_login(user):
        return None
    profile = company_user(user)
    return accounts_of(profile) if profile is not None else Account.objects.none()


def audit_scope_for(member) -> str | None:
    if member.kind != Member.Kind.COMPANY:
        return None
    company = getattr(member, "company", None)
    return company.audit_scope if company is not None else ""


# --- The payee rules of a company's operation --------------------------------------------------


def payee_check_for(*, kind: str, payload: Payload, member, amount: Decimal) -> None:
    """The payee rules (``payees.payee_check``) for the payee an operation pays: when it is
    registered and again when it executes."""
    if kind in CARD_PAYMENTS:
        payee_check(
            member=member,
            amount=amount,
            beneficiary_id=payload.beneficiary,
            card_token=payload.card.token,
            institution_code=payload.card.institution,
        )
        return
    if kind == TRANSFER_INTERBANK:
        number, institution = payload.payee.account_number, payload.payee.institution
    elif kind == TRANSFER_MEMBER:
        destination = Account.objects.filter(pk=payload.destination).first()
        number, institution = (destination.number if destination else ""), None
    else:
        return
    payee_check(
        member=member,
        amount=amount,
        beneficiary_id=payload.beneficiary,
        account_number=number,
        institution_code=institution,
    )


# --- Before the code: what the channel would refuse, what the order will wait for -------------


def company_precheck(*, spec: OperationSpec, payload: Payload, user, member) -> Precheck | None:
    """What ``company_channel`` would refuse if this were confirmed now (the payee rules, the
    company's limits counting the orders still waiting), each on its field with its numbers,
    and the signatures an ingresador's order will wait for. A member's: not ours (None). Only a
    forecast: the channel checks again under the company's lock, and the order when it runs."""
    if member.kind != Member.Kind.COMPANY:
        return None
    profile = company_user(user)
    if profile is None or profile.role == CompanyRole.APPROVER:
        refusal = ApprovalError(gettext("Tu rol no permite registrar operaciones."))
        return Precheck(refusals=(refusal,))
    refusals = []
    checks = (
        lambda: payee_check_for(
            kind=spec.code, payload=payload, member=member, amount=payload.amount
        ),
        lambda: limits.limit_check(profile.company, spec.code, payload.amount, pending=True),
    )
    for check in checks:
        try:
            check()
        except ApprovalError as exc:
            refusals.append(exc)
    signatures = ()
    if profile.role != CompanyRole.ADMIN:
        signatures = tuple(required_signatures(profile.company, spec.band, payload.amount))
    return Precheck(refusals=tuple(refusals), signatures=signatures)


def company_hints(*, spec: OperationSpec, user, member) -> list[str] | None:
    """What a company's transfer form tells before it is filled: the company's limit left,
    the new-payee cap, and, for an ingresador, that the order waits for signatures."""
    if member.kind != Member.Kind.COMPANY:
        return None
    profile = company_user(user)
    if profile is None:
        return []
    hints = []
    if spec.code not in limits.NOT_COUNTED_KINDS:
        label, left = limits.left_of(profile.company)
        hints.append(
            gettext("Cupo %(label)s restante de tu empresa: $ %(left)s.")
            % {"label": label, "left": f"{left:,.2f}"}
        )
    if spec.code in (TRANSFER_MEMBER, TRANSFER_INTERBANK):
        hints.append(
            gettext(
                "A una cuenta nueva, o a un beneficiario aprobado hace menos de %(m)s minutos, "
                "cada pago puede ser de máximo $ %(cap)s."
            )
            % {
                "m": settings.BENEFICIARY_COOLING_MINUTES,
                "cap": f"{settings.BENEFICIARY_COOLING_CAP:,.2f}",
            }
        )
    if profile.role != CompanyRole.ADMIN:
        hints.append(_waiting_hint(spec))
    return hints


def _waiting_hint(spec: OperationSpec) -> str:
    if not spec.holds_funds:
        return gettext(
            "Tu programación queda pendiente de las firmas de tu empresa; una vez aprobada, "
            "cada pago se hace sin nuevas firmas hasta el monto máximo."
        )
    if spec.band == Operation.PAYMENT:
        return gettext(
            "Tus pagos quedan pendientes de las firmas de tu empresa; el monto y la comisión "
            "se reservan hasta entonces."
        )
    return gettext(
        "Tus transferencias quedan pendientes de las firmas de tu empresa; el monto y la "
        "comisión se reservan hasta entonces."
    )


# --- The channel: a company user's operation becomes an order ----------------------------------


def company_channel(
    *,
    spec: OperationSpec,
    payload: Payload,
    context: Context,
    concept: str = "",
    on_registered=None,
) -> Outcome | None:
    """Every operation of a company's money is an order: an administrator's executes now, an
    ingresador's waits for signatures with its amount and charges held; a login without an
    active company profile is refused (``order_create``). A member's: not ours (None)."""
    if context.member.kind != Member.Kind.COMPANY:
        return None
    if spec.band not in Operation.values:
        raise ImproperlyConfigured(f"{spec.code}: band {spec.band!r} is not an Operation")
    payee_check_for(kind=spec.code, payload=payload, member=context.member, amount=payload.amount)
    order = order_create(
        user=context.user,
        operation=spec.band,
        kind=spec.code,
        amount=payload.amount,
        charges=spec.charges(payload),
        debit_account=_debit_account(payload, context),
        # Amount and debit account live in the order's own columns only: one source of truth.
        payload=payload.to_json(exclude=ORDER_COLUMNS),
        concept=concept or str(spec.label),
        key=context.key,
        on_created=(lambda order: on_registered(order.pk)) if on_registered else None,
        hold_funds=spec.holds_funds,
    )
    return order_outcome(order)


def _debit_account(payload: Payload, context: Context) -> Account:
    account = Account.objects.filter(pk=payload.origin, owner=context.member).first()
    if account is None:
        raise ApprovalError(gettext("No tienes acceso a la cuenta de origen."))
    return account


def order_outcome(order: ApprovalOrder) -> Outcome:
    if order.status == ApprovalOrder.Status.EXECUTED:
        return Outcome(status=Outcome.EXECUTED, result=order.result, reference=order.pk)
    if order.status == ApprovalOrder.Status.FAILED:
        return Outcome(status=Outcome.FAILED, message=order.failure_reason, reference=order.pk)
    return Outcome(
        status=Outcome.PENDING,
        reference=order.pk,
        url=reverse("enterprise:order", args=[order.pk]),
        message=gettext("Orden N.º %(n)s registrada: queda pendiente de autorización.")
        % {"n": order.pk},
    )


def _payload_of(spec: OperationSpec, order: ApprovalOrder) -> Payload:
    # Orders registered before the recipe also stored amount (as text) and not always the
    # origin: the columns win.
    return spec.payload.from_json(order.payload, amount=order.amount, origin=order.debit_account_id)


def operation_run(order: ApprovalOrder, user, holds) -> dict:
    """What an approved order of a registered operation runs: its own ``execute``, with the
    payload read back with its types and the order's amount, in the name of its author."""
    spec = operation_spec(order.kind)
    payload = _payload_of(spec, order)
    member = order.company.member
    payee_check_for(kind=order.kind, payload=payload, member=member, amount=order.amount)
    context = Context(
        user=order.created_by,
        member=member,
        channel=Channel.ENTERPRISE,
        # One order, one posting: executing it again returns the first one.
        key=f"order-{order.pk}",
        holds=holds,
        reference=order.pk,
    )
    return spec.execute(payload, context)


def operation_release(order: ApprovalOrder) -> None:
    """An order that will never run (rejected, expired, withdrawn, failed) gives back what its
    operation reserved when it was registered."""
    spec = operation_spec(order.kind)
    if spec is not None and spec.released is not None:
        spec.released(_payload_of(spec, order), order.pk)
