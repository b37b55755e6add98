"""Company payees: the ones an ingresador saves wait for an authorizer's approval, and a newly
approved one can receive only a small amount per payment during the cooling period — a
takeover of one login cannot add an account and empty the company into it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from identity.services import audit_record
from transfers.models import Beneficiary

from .approvals import _approver_checks_for_payee, company_user
from .errors import ApprovalError


def beneficiaries_waiting(profile):
    return (
        Beneficiary.objects.filter(
            owner=profile.company.member, deleted_at__isnull=True, approved_at__isnull=True
        )
        .select_related("institution", "created_by")
        .order_by("created_at")
    )


def _locked(user, beneficiary_id: int):
    profile = company_user(user)
    if profile is None:
        raise Beneficiary.DoesNotExist
    beneficiary = Beneficiary.objects.select_for_update().get(
        pk=beneficiary_id, owner=profile.company.member, deleted_at__isnull=True
    )
    if beneficiary.approved_at is not None:
        raise ApprovalError(gettext("Este beneficiario ya fue aprobado."))
    _approver_checks_for_payee(profile, beneficiary, user)
    return beneficiary, profile


def beneficiary_approve(*, user, beneficiary_id: int) -> Beneficiary:
    with transaction.atomic():
        beneficiary, profile = _locked(user, beneficiary_id)
        beneficiary.approved_at = timezone.now()
        beneficiary.save(update_fields=["approved_at", "updated_at"])
        audit_record(
            actor=user,
            action="beneficiary.approve",
            target=beneficiary,
            after={"account": beneficiary.masked_number, "holder": beneficiary.holder_name},
            scope=profile.company.audit_scope,
        )
    return beneficiary


def beneficiary_reject(*, user, beneficiary_id: int, reason: str) -> Beneficiary:
    if not reason.strip():
        raise ApprovalError(gettext("Ingresa el motivo del rechazo."))
    with transaction.atomic():
        beneficiary, profile = _locked(user, beneficiary_id)
        beneficiary.deleted_at = timezone.now()
        beneficiary.save(update_fields=["deleted_at", "updated_at"])
        audit_record(
            actor=user,
            action="beneficiary.reject",
            target=beneficiary,
            before={"account": beneficiary.masked_number, "holder": beneficiary.holder_name},
            reason=reason,
            scope=profile.company.audit_scope,
        )
    return beneficiary


def payee_check(beneficiary_id: int | None, amount: Decimal, *, now=None) -> None:
    """When an order names a saved payee: it must still be approved, and during its cooling
    period the amount is capped. Checked when the order is registered and again when it
    executes."""
    if beneficiary_id is None:
        return
    beneficiary = Beneficiary.objects.filter(pk=beneficiary_id).first()
    if beneficiary is None or beneficiary.deleted_at is not None:
        raise ApprovalError(gettext("El beneficiario ya no existe."))
    if beneficiary.approved_at is None:
        raise ApprovalError(gettext("El beneficiario aún no ha sido aprobado por un autorizador."))
    ready = beneficiary.approved_at + timedelta(minutes=settings.BENEFICIARY_COOLING_MINUTES)
    if (now or timezone.now()) < ready and amount > settings.BENEFICIARY_COOLING_CAP:
        raise ApprovalError(
            gettext("Beneficiario nuevo: hasta las %(at)s cada pago puede ser de máximo $ %(cap)s.")
            % {
                "at": timezone.localtime(ready).strftime("%H:%M"),
                "cap": f"{settings.BENEFICIARY_COOLING_CAP:,.2f}",
            }
        )
