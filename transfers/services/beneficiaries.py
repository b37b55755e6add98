"""Saved payees ("Administrar beneficiarios") and the member's limits ("Personalización de
cupos")."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from stdnum.ec import ci, ruc

from accounts.registries.permissions import permitted
from accounts.registries.scopes import audit_scope_of
from identity.models import IdType, Member
from identity.services.audit import audit_record

from ..models import (
    AccountType,
    Beneficiary,
    CooperativeLimit,
    Institution,
    MemberLimit,
    Transfer,
)
from .holders import holder_name_masked
from .orders import TransferError, amount_clean, member_account_lookup


def identification_check(id_type: str, value: str) -> str:
    value = (value or "").strip().upper()
    if id_type == IdType.CEDULA and not ci.is_valid(value):
        raise TransferError(
            gettext("La cédula no es válida: revisa los 10 dígitos."), "identification"
        )
    if id_type == IdType.RUC and not ruc.is_valid(value):
        raise TransferError(
            gettext("El RUC no es válido: revisa los 13 dígitos."), "identification"
        )
    if id_type == IdType.PASSPORT and not (5 <= len(value) <= 20 and value.isalnum()):
        raise TransferError(
            gettext("El pasaporte debe tener de 5 a 20 letras o números."), "identification"
        )
    if id_type not in IdType.values:
        raise TransferError(gettext("Elige el tipo de identificación."), "id_type")
    return value


def account_number_check(value: str) -> str:
    value = (value or "").strip()
    if not (value.isdigit() and 5 <= len(value) <= 20):
        raise TransferError(
            gettext("El número de cuenta debe tener de 5 a 20 dígitos."), "account_number"
        )
    return value


def beneficiary_member_save(
    *, member: Member, account_number: str, alias: str = "", email: str = "", user=None
) -> Beneficiary:
    account = member_account_lookup(account_number)
    if account is None:
        raise TransferError(
            gettext("No existe una cuenta activa con ese número."), "account_number"
        )
    if account.owner_id == member.pk:
        raise TransferError(
            gettext("Esa cuenta es tuya: no hace falta guardarla."), "account_number"
        )
    return _save(
        member=member,
        user=user,
        kind=Beneficiary.Kind.MEMBER,
        institution=Institution.objects.filter(is_self=True).first(),
        account=account,
        account_number=account.number,
        account_type=AccountType.SAVINGS,
        # As the form showed it: a saved payee is no way to read a name in full.
        holder_name=holder_name_masked(account.owner.full_name),
        id_type=account.owner.id_type,
        identification=account.owner.identification,
        alias=alias,
        email=email,
    )


def beneficiary_interbank_save(*, member: Member, data: dict, user=None) -> Beneficiary:
    return _save(member=member, user=user, kind=Beneficiary.Kind.INTERBANK, **data)


def beneficiary_save(*, member: Member, user, data: dict) -> Beneficiary:
    """A payee as a form checked it (``payee_to_save``, «Nuevo beneficiario»): another bank's
    when ``data`` names its institution, another member's otherwise. A company's waits for an
    authorizer unless the company lets this login's payees be used at once."""
    if "institution" in data:
        return beneficiary_interbank_save(member=member, user=user, data=data)
    return beneficiary_member_save(member=member, user=user, **data)


def beneficiary_saved(
    *, member: Member, kind: str, account_number: str, institution=None
) -> Beneficiary | None:
    """The payee of this kind already saved for this account (waiting or not), if any."""
    return Beneficiary.objects.filter(
        owner=member,
        kind=kind,
        account_number=account_number,
        institution=institution
        if institution is not None
        else Institution.objects.filter(is_self=True).first(),
        deleted_at__isnull=True,
    ).first()


def beneficiary_save_after_transfer(
    *, member: Member, user, data: dict, transfer_id: int | None
) -> Beneficiary:
    """ "Guardar beneficiario" of a transfer form, once the transfer went through (or became an
    order): a refused transfer saves nobody. The transfer made now points to its payee, so
    "Transacciones frecuentes" opens the form with it chosen."""
    beneficiary = beneficiary_save(member=member, user=user, data=data)
    if transfer_id is not None and beneficiary.approved_at is not None:
        Transfer.objects.filter(pk=transfer_id, member=member, beneficiary=None).update(
            beneficiary=beneficiary
        )
    return beneficiary


#: a capability (``accounts.registries.permissions``): whether the payees this login saves
#: are usable at once; a company decides it (its ingresadores' wait for an authorizer).
PAYEE_APPROVED_AT_ONCE = "transfers.beneficiaries.approved_at_once"


def payee_needs_approval(member: Member, user) -> bool:
    """Whether the payees ``user`` saves for ``member`` wait for approval: only a company's,
    and not where it lets this login's be used at once; a member's are usable once saved."""
    return member.kind == Member.Kind.COMPANY and not permitted(user, PAYEE_APPROVED_AT_ONCE)


def payee_waits(beneficiary: Beneficiary) -> bool:
    """Whether this payee still waits for an authorizer of its company (a member's never
    does: nobody approves them)."""
    return beneficiary.approved_at is None and beneficiary.owner.kind == Member.Kind.COMPANY


def _save(*, member, user, kind, **fields) -> Beneficiary:
    try:
        with transaction.atomic():
            beneficiary = Beneficiary.objects.create(
                owner=member,
                kind=kind,
                created_by=user if getattr(user, "pk", None) else None,
                approved_at=None if payee_needs_approval(member, user) else timezone.now(),
                **fields,
            )
            audit_record(
                actor=user,
                action="beneficiary.add",
                target=beneficiary,
                after={"alias": beneficiary.alias, "account": beneficiary.masked_number},
                scope=audit_scope_of(member),
            )
            return beneficiary
    except IntegrityError:
        existing = Beneficiary.objects.filter(
            owner=member,
            kind=kind,
            institution=fields.get("institution"),
            account_number=fields["account_number"],
            deleted_at__isnull=True,
        ).first()
        if existing is None:
            raise
        return existing


def beneficiary_update(*, beneficiary: Beneficiary, alias: str, email: str, user) -> Beneficiary:
    with transaction.atomic():
        before = {"alias": beneficiary.alias, "email": beneficiary.email}
        beneficiary.alias = alias[:40]
        beneficiary.email = email
        beneficiary.save(update_fields=["alias", "email", "updated_at"])
        audit_record(
            actor=user,
            action="beneficiary.edit",
            target=beneficiary,
            before=before,
            after={"alias": alias, "email": email},
            scope=audit_scope_of(beneficiary.owner),
        )
    return beneficiary


def beneficiary_delete(*, beneficiary: Beneficiary, user) -> None:
    with transaction.atomic():
        beneficiary.deleted_at = timezone.now()
        beneficiary.save(update_fields=["deleted_at"])
        audit_record(
            actor=user,
            action="beneficiary.delete",
            target=beneficiary,
            before={"alias": beneficiary.alias, "account": beneficiary.masked_number},
            scope=audit_scope_of(beneficiary.owner),
        )


def beneficiaries_of(member: Member, *, kind: str | None = None, query: str = ""):
    rows = Beneficiary.objects.filter(owner=member, deleted_at__isnull=True).select_related(
        "institution"
    )
    if kind:
        rows = rows.filter(kind=kind)
    if query:
        from django.db.models import Q

        rows = rows.filter(
            Q(alias__icontains=query)
            | Q(holder_name__icontains=query)
            | Q(account_number__contains=query)
        )
    return rows


def limits_problem(category: str, values) -> str | None:
    """Why these daily, weekly, monthly limits cannot be set, or None."""
    top = CooperativeLimit.objects.get(category=category)
    for value, maximum, label in zip(
        values,
        (top.daily, top.weekly, top.monthly),
        (gettext("diario"), gettext("semanal"), gettext("mensual")),
        strict=True,
    ):
        if value <= 0:
            return gettext("Los cupos deben ser mayores a $ 0.00.")
        if value > maximum:
            return gettext("El cupo %(label)s no puede superar $ %(max)s.") % {
                "label": label,
                "max": f"{maximum:,.2f}",
            }
    if not values[0] <= values[1] <= values[2]:
        return gettext("El cupo diario no puede superar el semanal, ni el semanal el mensual.")
    return None


def limits_set(*, member: Member, category: str, daily, weekly, monthly, user) -> MemberLimit:
    values = [amount_clean(v) for v in (daily, weekly, monthly)]
    problem = limits_problem(category, values)
    if problem:
        raise TransferError(problem)
    with transaction.atomic():
        limit, _ = MemberLimit.objects.select_for_update().get_or_create(
            member=member,
            category=category,
            defaults=dict(zip(("daily", "weekly", "monthly"), values, strict=True)),
        )
        before = {
            "daily": str(limit.daily),
            "weekly": str(limit.weekly),
            "monthly": str(limit.monthly),
        }
        limit.daily, limit.weekly, limit.monthly = values
        limit.save()
        audit_record(
            actor=user,
            action="limits.set",
            target=limit,
            before=before,
            after={k: str(v) for k, v in zip(("daily", "weekly", "monthly"), values, strict=True)},
        )
    return limit
