"""The approval engine: every enterprise operation is an order that an administrator's code
executes at once, or that waits — its funds held — for the signatures its amount needs, and
then executes exactly once through the same services members use."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from accounts.models import Account
from accounts.registries.operations import operation_spec
from accounts.services.ledger import LedgerError, hold_place, hold_release
from common.refusal import Refusal
from identity.services.audit import audit_record
from identity.services.notifications import notification_queue

from ..models import (
    Approval,
    ApprovalBand,
    ApprovalOrder,
    Company,
    CompanyRole,
    CompanyUser,
    Service,
    SignatureLevel,
)
from ..selectors.access import account_allowed, can, company_user
from . import limits
from .errors import ApprovalError

DEFAULT_SIGNATURES = ["A"]


# --- The rule ----------------------------------------------------------------------------------


def required_signatures(company: Company, operation: str, amount: Decimal) -> list[str]:
    """The signatures an operation of this amount needs: the first band whose ceiling covers
    it (bands without a ceiling cover everything above). At least one, always."""
    for band in ApprovalBand.objects.filter(company=company, operation=operation):
        if band.up_to is None or amount <= band.up_to:
            return list(band.signatures) or DEFAULT_SIGNATURES
    return DEFAULT_SIGNATURES


def _positions(company: Company) -> dict[str, int]:
    return dict(SignatureLevel.objects.filter(company=company).values_list("letter", "position"))


def rule_satisfied(positions: dict[str, int], required: list[str], signed: list[str]) -> bool:
    """Each required level is covered by a different signer of that level or a higher one
    (A is the highest). With both lists sorted from the highest level down, the k highest
    signers must each be at least as high as the k-th requirement."""
    need = sorted(positions.get(letter, 10**6) for letter in required)
    have = sorted(positions.get(letter, 10**6 + 1) for letter in signed)
    if len(have) < len(need):
        return False
    return all(h <= n for h, n in zip(have, need, strict=False))


def _matched(positions, required, signed) -> int:
    """How many requirements these signers can cover at once (to tell whether one more signer
    helps): from the least demanding requirement up, each takes the weakest signer that is
    high enough; a signer too weak for one requirement is too weak for every later one."""
    need = sorted((positions.get(letter, 10**6) for letter in required), reverse=True)
    have = sorted((positions.get(letter, 10**6 + 1) for letter in signed), reverse=True)
    count, i = 0, 0
    for n in need:
        while i < len(have) and have[i] > n:
            i += 1
        if i == len(have):
            break
        count, i = count + 1, i + 1
    return count


# --- What an order runs ------------------------------------------------------------------------

# Every order is a registered operation (``accounts.registries.operations``): the enterprise
# app's ``operations.operation_run`` runs its ``execute`` and ``operation_release`` gives back
# what it reserved. Set from ``EnterpriseConfig.ready``: this module cannot import them.
_runner: list[Callable] = []
_releaser: list[Callable] = []


def register_operation_runner(run: Callable, release: Callable) -> None:
    _runner[:] = [run]
    _releaser[:] = [release]


def _runs(kind: str) -> bool:
    return operation_spec(kind) is not None and bool(_runner)


def _released(order: ApprovalOrder) -> None:
    if _releaser:
        _releaser[0](order)


def _execute(order: ApprovalOrder, user) -> None:
    """Inside the caller's transaction, under the order's lock: runs once."""
    holds = (order.hold_id,) if order.hold_id else ()
    try:
        if company_user(order.created_by) is None:
            # Blocked or deleted since: nobody acts in their name any more.
            raise ApprovalError(gettext("Quien registró la orden ya no es un usuario activo."))
        with transaction.atomic():
            company = Company.objects.select_for_update().get(pk=order.company_id)
            limits.limit_check(
                company, order.kind, order.amount, pending=False, exclude_order=order.pk
            )
            order.result = _runner[0](order, user, holds)
    except Refusal as exc:  # the engine's, the ledger's or the operation's own rules said no
        _fail(order, exc.message)
        return
    order.status = ApprovalOrder.Status.EXECUTED
    order.decided_at = timezone.now()
    order.save(update_fields=["status", "decided_at", "result"])
    audit_record(
        actor=user,
        action="order.execute",
        target=order,
        after=order.result,
        scope=order.company.audit_scope,
    )


def _fail(order: ApprovalOrder, message: str) -> None:
    if order.hold_id:
        hold_release(hold_id=order.hold_id)
    _released(order)
    order.status = ApprovalOrder.Status.FAILED
    order.failure_reason = message[:200]
    order.decided_at = timezone.now()
    order.save(update_fields=["status", "failure_reason", "decided_at"])
    audit_record(
        actor=None,
        action="order.fail",
        target=order,
        reason=order.failure_reason,
        scope=order.company.audit_scope,
    )


# --- The order's life ------------------------------------------------------------------------


def order_create(
    *,
    user,
    operation: str,
    kind: str,
    amount: Decimal,
    charges: Decimal,
    debit_account: Account,
    payload: dict,
    concept: str = "",
    key: str | None = None,
    on_created: Callable[[ApprovalOrder], None] | None = None,
    hold_funds: bool = True,
) -> ApprovalOrder:
    """An administrator's operation executes now; an ingresador's waits for signatures with
    its amount and charges held on the debit account (unless ``hold_funds`` is False: a
    scheduled payment approves a maximum for bills to come, it moves no money itself).
    ``on_created(order)`` runs in the same transaction right after the order row exists, before
    it executes or waits (a bulk payment ties its rows to it there)."""
    profile = company_user(user)
    if profile is None or profile.role == CompanyRole.APPROVER:
        raise ApprovalError(gettext("Tu rol no permite registrar operaciones."))
    if not account_allowed(profile, debit_account):
        raise ApprovalError(gettext("No tienes acceso a la cuenta de origen."))
    if not _runs(kind):
        raise ApprovalError(gettext("Esta operación aún no está disponible para empresas."))
    with transaction.atomic():
        # The company's row lock: concurrent orders cannot pass its limits together.
        company = Company.objects.select_for_update().get(pk=profile.company_id)
        if key and (first := _registered(company, key, amount, debit_account)) is not None:
            return first
        limits.limit_check(company, kind, amount, pending=True)
        order = ApprovalOrder.objects.create(
            company=company,
            operation=operation,
            kind=kind,
            concept=concept[:120],
            amount=amount,
            charges=charges,
            debit_account=debit_account,
            payload=payload,
            required=required_signatures(company, operation, amount),
            key=key or "",
            created_by=user,
            expires_at=timezone.now() + timedelta(hours=settings.ENTERPRISE_ORDER_HOURS),
        )
        audit_record(
            actor=user,
            action="order.create",
            target=order,
            after=_summary(order),
            scope=order.company.audit_scope,
        )
        if on_created is not None:
            on_created(order)
        if profile.role == CompanyRole.ADMIN:
            _execute(order, user)
            return order
        if not hold_funds:
            _notify_approvers(order)
            return order
        try:
            hold = hold_place(
                account_id=debit_account.pk,
                amount=amount + charges,
                reason=gettext("Orden por autorizar N.º %(n)s") % {"n": order.pk},
                reference=f"order-{order.pk}-{uuid.uuid4().hex[:8]}",
                created_by=user,
                expires_at=order.expires_at,
            )
        except LedgerError as exc:
            raise ApprovalError(exc.message) from exc
        order.hold = hold
        order.save(update_fields=["hold"])
        _notify_approvers(order)
    return order


def _registered(company, key, amount, debit_account) -> ApprovalOrder | None:
    """The order a repeated confirm already registered (under the company's lock, so two
    at once find each other); the same key with other data is refused."""
    first = ApprovalOrder.objects.filter(company=company, key=key).first()
    if first is None:
        return None
    if first.amount != amount or first.debit_account_id != debit_account.pk:
        raise ApprovalError(
            gettext("Esta operación ya fue registrada con otros datos; inicia una nueva.")
        )
    return first


def _summary(order: ApprovalOrder) -> dict:
    return {
        "kind": order.kind,
        "amount": str(order.amount),
        "account": order.debit_account.number,
        "concept": order.concept,
    }


def _notify_approvers(order: ApprovalOrder) -> None:
    approvers = CompanyUser.objects.filter(
        company=order.company,
        role=CompanyRole.APPROVER,
        status=CompanyUser.Status.ACTIVE,
        signature_level__isnull=False,
    ).select_related("user", "signature_level")
    positions = _positions(order.company)
    required = required_signatures(order.company, order.operation, order.amount)
    for profile in approvers:
        # Only those whose signature counts for this order, on an account they may use.
        helps = _matched(positions, required, [profile.signature_level.letter]) > 0
        if not helps or not account_allowed(profile, order.debit_account):
            continue
        if not profile.user.email or not can(profile, Service.AUTHORIZE):
            continue
        notification_queue(
            channel="EMAIL",
            recipient=profile.user.email,
            user=profile.user,
            subject=gettext("Tienes una operación por autorizar"),
            body=gettext(
                "%(company)s: %(kind)s N.º %(n)s por $ %(amount)s espera tu autorización en "
                "Cooprogreso en Línea."
            )
            % {
                "company": order.company.name,
                "kind": order.concept or order.kind,
                "n": order.pk,
                "amount": f"{order.amount:,.2f}",
            },
        )


def _locked_order(user, order_id: int) -> tuple[ApprovalOrder, CompanyUser]:
    profile = company_user(user)
    if profile is None:
        raise ApprovalOrder.DoesNotExist
    # Another company's order does not exist for this user (the view turns it into a 404).
    # Only the order's row: the ledger locks accounts itself, in id order.
    order = (
        ApprovalOrder.objects.select_for_update(of=("self",))
        .select_related("debit_account", "company")
        .get(pk=order_id, company=profile.company)
    )
    return order, profile


def _expire_if_due(user, order_id: int) -> None:
    """An order past its time is closed in a transaction of its own, so the refusal that
    follows does not roll the expiry (and the release of its funds) back."""
    profile = company_user(user)
    if profile is None:
        return
    with transaction.atomic():
        order = (
            ApprovalOrder.objects.select_for_update()
            .filter(pk=order_id, company_id=profile.company_id)
            .first()
        )
        if (
            order is not None
            and order.status == ApprovalOrder.Status.PENDING
            and order.expires_at <= timezone.now()
        ):
            _close(order, ApprovalOrder.Status.EXPIRED)


def _close(order: ApprovalOrder, status: str) -> None:
    if order.hold_id:
        hold_release(hold_id=order.hold_id)
    _released(order)
    order.status = status
    order.decided_at = timezone.now()
    order.save(update_fields=["status", "decided_at"])
    if status == ApprovalOrder.Status.EXPIRED:
        audit_record(
            actor=None, action="order.expire", target=order, scope=order.company.audit_scope
        )


# --- Who may sign or reject an order now ----------------------------------------------------
# The engine's own checks, as pure functions of what it read: ``order_approve`` and
# ``order_reject`` refuse with them under the order's lock, and the pages ask them first, so
# a page never offers a code the engine would refuse (``selectors.orders.approval_blocker``).


@dataclass(frozen=True)
class Blocker:
    """Why a login cannot sign (or reject) an order now: the sentence the engine refuses with,
    and the few words a list row shows ("ya firmaste")."""

    message: str
    short: str


def pending_blocker(order: ApprovalOrder) -> Blocker | None:
    if order.status == ApprovalOrder.Status.PENDING:
        return None
    status = order.get_status_display().lower()
    return Blocker(
        gettext("Esta operación ya no está pendiente: %(status)s.") % {"status": status}, status
    )


def decide_blocker(
    order: ApprovalOrder, profile: CompanyUser, *, account_ok: bool
) -> Blocker | None:
    """What stops this login from signing or rejecting the order at all: its state, the
    login's role, the order being its own, the origin account (``account_ok``: it may use it)."""
    if blocker := pending_blocker(order):
        return blocker
    if profile.role != CompanyRole.APPROVER or not can(profile, Service.AUTHORIZE):
        return Blocker(
            gettext("Tu rol no permite autorizar operaciones."), gettext("tu rol no autoriza")
        )
    if order.created_by_id == profile.user_id:
        return Blocker(
            gettext("No puedes autorizar una operación que registraste."),
            gettext("la registraste tú"),
        )
    if not account_ok:
        return Blocker(
            gettext("No tienes acceso a la cuenta de origen."), gettext("sin acceso a la cuenta")
        )
    return None


def sign_blocker(
    order: ApprovalOrder,
    profile: CompanyUser,
    *,
    account_ok: bool,
    approvals: list[tuple[int, str, str]],
    positions: dict[str, int],
) -> Blocker | None:
    """What stops this login's signature: ``decide_blocker``, then a signature of its own
    already there, no level, or a level that covers none of the signatures the rule still
    needs. ``approvals``: the order's (user id, decision, level); ``positions``: the company's
    levels by letter."""
    if blocker := decide_blocker(order, profile, account_ok=account_ok):
        return blocker
    if any(user_id == profile.user_id for user_id, _decision, _level in approvals):
        return Blocker(
            gettext("Ya firmaste esta operación: faltan las firmas de otros autorizadores."),
            gettext("ya firmaste"),
        )
    if profile.signature_level_id is None:
        return Blocker(
            gettext("No tienes un nivel de firma asignado."), gettext("sin nivel de firma")
        )
    required = order_required(order)
    signed = [level for _u, decision, level in approvals if decision == Approval.Decision.APPROVE]
    letter = profile.signature_level.letter
    if _matched(positions, required, [*signed, letter]) > _matched(positions, required, signed):
        return None
    return Blocker(_level_refusal(letter, required, signed), gettext("tu nivel no cuenta"))


def _level_refusal(letter: str, required: list[str], signed: list[str]) -> str:
    """«Tu nivel de firma (B) no alcanza para las firmas que faltan: la regla de esta operación
    pide A + B y ya tiene la firma de nivel B.»"""
    values = {"level": letter, "rule": " + ".join(required), "signed": ", ".join(signed)}
    if not signed:
        return (
            gettext(
                "Tu nivel de firma (%(level)s) no alcanza para las firmas que faltan: la regla "
                "de esta operación pide %(rule)s."
            )
            % values
        )
    return (
        ngettext(
            "Tu nivel de firma (%(level)s) no alcanza para las firmas que faltan: la regla de "
            "esta operación pide %(rule)s y ya tiene la firma de nivel %(signed)s.",
            "Tu nivel de firma (%(level)s) no alcanza para las firmas que faltan: la regla de "
            "esta operación pide %(rule)s y ya tiene las firmas de nivel %(signed)s.",
            len(signed),
        )
        % values
    )


def order_required(order: ApprovalOrder) -> list[str]:
    """The signatures the order waits for: fixed when it was registered."""
    return order.required or required_signatures(order.company, order.operation, order.amount)


def _refuse(blocker: Blocker | None) -> None:
    if blocker is not None:
        raise ApprovalError(blocker.message)


def order_approve(*, user, order_id: int) -> ApprovalOrder:
    """One signature. When the rule is satisfied the order executes, once: approvals of the
    same order queue on its row lock."""
    _expire_if_due(user, order_id)
    with transaction.atomic():
        order, profile = _locked_order(user, order_id)
        positions = _positions(order.company)
        approvals = list(order.approvals.values_list("user_id", "decision", "level"))
        _refuse(
            sign_blocker(
                order,
                profile,
                account_ok=account_allowed(profile, order.debit_account),
                approvals=approvals,
                positions=positions,
            )
        )
        signed = [
            level for _u, decision, level in approvals if decision == Approval.Decision.APPROVE
        ]
        letter = profile.signature_level.letter
        Approval.objects.create(
            order=order, user=user, level=letter, decision=Approval.Decision.APPROVE
        )
        audit_record(
            actor=user,
            action="order.approve",
            target=order,
            after={"level": letter},
            scope=order.company.audit_scope,
        )
        if rule_satisfied(positions, order_required(order), [*signed, letter]):
            _execute(order, user)
    return order


def order_reject(*, user, order_id: int, reason: str) -> ApprovalOrder:
    if not reason.strip():
        raise ApprovalError(gettext("Ingresa el motivo del rechazo."))
    _expire_if_due(user, order_id)
    with transaction.atomic():
        order, profile = _locked_order(user, order_id)
        _refuse(
            decide_blocker(order, profile, account_ok=account_allowed(profile, order.debit_account))
        )
        Approval.objects.create(
            order=order,
            user=user,
            level=profile.signature_level.letter if profile.signature_level_id else "",
            decision=Approval.Decision.REJECT,
            reason=reason[:200],
        )
        _close(order, ApprovalOrder.Status.REJECTED)
        audit_record(
            actor=user,
            action="order.reject",
            target=order,
            reason=reason,
            scope=order.company.audit_scope,
        )
    return order


def order_withdraw(*, user, order_id: int) -> ApprovalOrder:
    """Its author takes back an order nobody has signed yet."""
    _expire_if_due(user, order_id)
    with transaction.atomic():
        order, _profile = _locked_order(user, order_id)
        _refuse(pending_blocker(order))
        if order.created_by_id != user.pk:
            raise ApprovalError(gettext("Solo quien registró la operación puede retirarla."))
        if order.approvals.exists():
            raise ApprovalError(
                gettext("La orden ya tiene firmas: pide a un autorizador que la rechace.")
            )
        _close(order, ApprovalOrder.Status.WITHDRAWN)
        audit_record(
            actor=user, action="order.withdraw", target=order, scope=order.company.audit_scope
        )
    return order


def orders_expire_due(*, now=None) -> int:
    now = now or timezone.now()
    expired = 0
    for pk in ApprovalOrder.objects.filter(
        status=ApprovalOrder.Status.PENDING, expires_at__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            order = ApprovalOrder.objects.select_for_update().get(pk=pk)
            if order.status == ApprovalOrder.Status.PENDING:
                _close(order, ApprovalOrder.Status.EXPIRED)
                expired += 1
    return expired
