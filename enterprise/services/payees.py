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

from identity.services.audit import audit_record
from transfers.models import Beneficiary

from ..models import CompanyRole, CompanyUser, Service
from ..selectors.access import can, company_user
from .errors import ApprovalError


def _approver_checks_for_payee(profile: CompanyUser, beneficiary, user) -> None:
    if profile.role != CompanyRole.APPROVER or not can(profile, Service.AUTHORIZE):
        raise ApprovalError(gettext("Tu rol no permite autorizar operaciones."))
    if beneficiary.created_by_id == user.pk:
        raise ApprovalError(gettext("No puedes aprobar un beneficiario que registraste."))


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


def _cooling_ends(beneficiary):
    return beneficiary.approved_at + timedelta(minutes=settings.BENEFICIARY_COOLING_MINUTES)


def _cap_refusal(until, *, waiting: bool = False) -> ApprovalError:
    """Said on the amount: the cap, and when a larger payment becomes possible."""
    cap = f"{settings.BENEFICIARY_COOLING_CAP:,.2f}"
    minutes = settings.BENEFICIARY_COOLING_MINUTES
    if waiting:
        message = gettext(
            "Esta cuenta está en tus beneficiarios por aprobar: mientras un autorizador de tu "
            "empresa no la apruebe, cada pago puede ser de máximo $ %(cap)s."
        ) % {"cap": cap}
    elif until is None:
        message = gettext(
            "Cuenta nueva: cada pago puede ser de máximo $ %(cap)s. Para montos mayores "
            "guárdala como beneficiario; podrás usarla %(m)s minutos después de su "
            "aprobación."
        ) % {"cap": cap, "m": minutes}
    else:
        message = gettext(
            "Este beneficiario fue aprobado hace menos de %(m)s minutos: cada pago puede ser "
            "de máximo $ %(cap)s hasta las %(at)s."
        ) % {"m": minutes, "cap": cap, "at": timezone.localtime(until).strftime("%H:%M")}
    return ApprovalError(message, "amount")


def _saved_payee_check(*, member, beneficiary_id: int, amount: Decimal, now) -> None:
    beneficiary = Beneficiary.objects.filter(pk=beneficiary_id, owner=member).first()
    if beneficiary is None or beneficiary.deleted_at is not None:
        raise ApprovalError(gettext("El beneficiario ya no existe."), "beneficiary")
    if beneficiary.approved_at is None:
        raise ApprovalError(
            gettext(
                "El beneficiario aún no ha sido aprobado por un autorizador: podrás "
                "transferirle cuando un autorizador de tu empresa lo apruebe."
            ),
            "beneficiary",
        )
    if amount > settings.BENEFICIARY_COOLING_CAP and now < _cooling_ends(beneficiary):
        raise _cap_refusal(_cooling_ends(beneficiary))


def payee_check(
    *,
    member,
    amount: Decimal,
    beneficiary_id: int | None = None,
    account_number: str = "",
    institution_code: str | None = None,
    card_token: str = "",
    now=None,
) -> None:
    """A company's payment to someone else, before the code (the form), when it is registered
    and again when it executes. A saved payee must still be approved, and pays at most the
    cooling cap until its cooling period ends; an account typed in is paid without limit only
    if it is such a payee of the company, approved and cooled — otherwise it is new, and
    capped the same way (a card: by its ``card_token``). Each refusal names its field
    (``beneficiary`` or ``amount``)."""
    now = now or timezone.now()
    if beneficiary_id is not None:
        _saved_payee_check(member=member, beneficiary_id=beneficiary_id, amount=amount, now=now)
        return
    if amount <= settings.BENEFICIARY_COOLING_CAP:
        return
    saved = Beneficiary.objects.filter(owner=member, deleted_at__isnull=True)
    # A card is known by its keyed hash (its number is never stored), an account by its number.
    saved = (
        saved.filter(card_token=card_token)
        if card_token
        else saved.filter(account_number=account_number)
    )
    if institution_code is not None:
        saved = saved.filter(institution__code=institution_code)
    approved = [b for b in saved if b.approved_at is not None]
    if any(now >= _cooling_ends(b) for b in approved):
        return
    if approved:
        raise _cap_refusal(_cooling_ends(approved[0]))
    raise _cap_refusal(None, waiting=bool(saved))
