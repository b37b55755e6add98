"""Gestión de usuarios: a company's administrators add its users, choose their services, their
role, signature level and accounts, send them credentials, block, activate and delete them.

Every change carries a reason, has been approved by the administrator's one-time code (in the
views) and writes an audit row in the company's scope, which its administrators read under
"Auditoría". Deleted users stay in the database (inactive) for that trail.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext, ngettext
from stdnum.ec import ci

from identity.models import User
from identity.services.audit import audit_record
from identity.services.credentials import temporary_credentials_send, temporary_username
from identity.services.lockout import user_unlock
from identity.services.notifications import notification_queue

from ..models import Company, CompanyRole, CompanyUser, Service, SignatureLevel
from ..selectors.access import ROLE_SERVICES, services_of
from ..selectors.levels import signers, unsignable_orders, unsignable_rules
from ..selectors.users import company_accounts, display_name, role_services
from .errors import ApprovalError

Status = CompanyUser.Status


class CompanyUserError(ApprovalError):
    """A refusal of user management, with the Spanish message the administrator sees."""


# --- Checks (also run by the forms, before a code is sent) -----------------------------------


def identification_problem(company: Company, identification: str) -> str | None:
    """Why this cédula cannot be added to the company, or None."""
    if not ci.is_valid(identification or ""):
        return gettext("La cédula no es válida: revisa los 10 dígitos.")
    existing = (
        CompanyUser.objects.filter(company=company, identification=ci.compact(identification))
        .exclude(status=Status.DELETED)
        .select_related("user")
        .first()
    )
    if existing is None:
        return None
    if existing.status == Status.BLOCKED:
        return gettext(
            "%(name)s ya es usuario de la empresa con esta identificación y está bloqueado: "
            "actívalo desde la lista de usuarios."
        ) % {"name": display_name(existing)}
    return gettext("%(name)s ya es usuario activo de la empresa con esta identificación.") % {
        "name": display_name(existing)
    }


def change_problem(
    *,
    actor,
    target: CompanyUser,
    role: str | None = None,
    status: str | None = None,
    active_admins: int | None = None,
) -> str | None:
    """Why this change of ``target``'s role or status is refused, or None. The services call
    it again under the company's locks with the locked count of active administrators."""
    if target.status == Status.DELETED:
        return gettext("Este usuario fue eliminado: ya no admite cambios.")
    if status is not None and status == target.status:
        return gettext("El usuario ya está %(status)s.") % {
            "status": target.get_status_display().lower()
        }
    own = target.user_id == actor.pk
    if own and status == Status.BLOCKED:
        return gettext("No puedes bloquear tu propio usuario.")
    if own and status == Status.DELETED:
        return gettext("No puedes eliminar tu propio usuario.")
    if own and role is not None and role != CompanyRole.ADMIN:
        return gettext("No puedes quitarte el rol de administrador: pídeselo a otro administrador.")
    leaves_admins = (
        target.role == CompanyRole.ADMIN
        and target.status == Status.ACTIVE
        and (
            (role is not None and role != CompanyRole.ADMIN)
            or (status is not None and status != Status.ACTIVE)
        )
    )
    if leaves_admins:
        if active_admins is None:
            active_admins = CompanyUser.objects.filter(
                company_id=target.company_id, role=CompanyRole.ADMIN, status=Status.ACTIVE
            ).count()
        if active_admins <= 1:
            return gettext("La empresa debe conservar al menos un administrador activo.")
    return None


_UNCHANGED = object()


def _signs_after(target: CompanyUser, status, role, signature_level) -> str | None:
    """The level ``target`` would sign with after the change (None: they would not sign)."""
    status = status or target.status
    role = role or target.role
    level = target.signature_level if signature_level is _UNCHANGED else signature_level
    if status != Status.ACTIVE or role != CompanyRole.APPROVER or level is None:
        return None
    # A new role brings every service it allows; the same role keeps the ones chosen.
    chosen = set(target.services) if role == target.role and target.services else None
    allowed = ROLE_SERVICES[role] & chosen if chosen is not None else ROLE_SERVICES[role]
    return level.letter if Service.AUTHORIZE in allowed else None


def signing_gap_warning(
    *,
    company_user: CompanyUser,
    status: str | None = None,
    role: str | None = None,
    signature_level: SignatureLevel | object | None = _UNCHANGED,
) -> str | None:
    """What blocking, deleting or changing the role or level of ``company_user`` leaves
    without signers: the signature rules and the pending orders that the company's active
    authorizers can complete now and could not after the change; None when nothing is lost.

    A warning, not a refusal, by choice: blocking or deleting someone who left the company
    must never wait for the rules to change, and a reshuffle of levels passes through states
    where a level is briefly empty. The administrator is told which rules to fix (saving a
    rule with a level nobody active holds is refused in ``levels.bands_problem``)."""
    company = company_user.company
    now = [(p.user_id, p.signature_level.letter) for p in signers(company)]
    after = [pair for pair in now if pair[0] != company_user.user_id]
    letter = _signs_after(company_user, status, role, signature_level)
    if letter is not None:
        after.append((company_user.user_id, letter))
    letters_now, letters_after = [lv for _u, lv in now], [lv for _u, lv in after]
    stuck_now = set(unsignable_rules(company, letters_now))
    rules = [r for r in unsignable_rules(company, letters_after) if r not in stuck_now]
    orders = unsignable_orders(company, after) - unsignable_orders(company, now)
    if not rules and not orders:
        return None
    return _gap_message(rules, len(orders), sorted(set(letters_now) - set(letters_after)))


def _gap_message(rules, orders: int, emptied: list[str]) -> str:
    parts = [gettext("Aviso:")]
    if rules:
        parts.append(
            gettext("con este cambio ya no se podrán firmar estas reglas: %(rules)s.")
            % {"rules": "; ".join(rule.text for rule in rules)}
        )
    if orders:
        parts.append(
            ngettext(
                "%(n)s orden pendiente ya no se podrá autorizar.",
                "%(n)s órdenes pendientes ya no se podrán autorizar.",
                orders,
            )
            % {"n": orders}
        )
    if emptied:
        parts.append(
            gettext(
                "Ningún autorizador activo tendrá el nivel %(levels)s: asígnalo a otro usuario "
                "o cambia las reglas en «Niveles de firma»."
            )
            % {"levels": ", ".join(emptied)}
        )
    else:
        parts.append(gettext("Agrega autorizadores o cambia las reglas en «Niveles de firma»."))
    return " ".join(parts)


def credentials_problem(*, actor, target: CompanyUser) -> str | None:
    """Why credentials cannot be sent to ``target`` now, or None."""
    problem = change_problem(actor=actor, target=target)
    if problem:
        return problem
    if target.status != Status.ACTIVE:
        return gettext("El usuario está bloqueado: actívalo primero.")
    if not target.user.email:
        return gettext("El usuario no tiene un correo registrado.")
    return None


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CompanyUserError(gettext("Ingresa el motivo de esta acción."))
    return reason[:200]


def _access(
    company: Company, role: str, signature_level: SignatureLevel | None, accounts: Iterable
) -> tuple[SignatureLevel | None, list[int]]:
    """The level and account ids a user of this role keeps: a level only for autorizadores
    (and then one of the company's), accounts only for non-administrators (administrators
    operate every account) and only the company's own."""
    if role not in CompanyRole.values:
        raise CompanyUserError(gettext("Elige un rol válido."))
    if role == CompanyRole.APPROVER:
        if signature_level is None:
            raise CompanyUserError(gettext("Elige el nivel de firma del autorizador."))
        if signature_level.company_id != company.pk:
            raise CompanyUserError(gettext("El nivel de firma no es de la empresa."))
    else:
        signature_level = None
    ids = sorted({getattr(account, "pk", account) for account in accounts})
    if len(ids) != company_accounts(company).filter(pk__in=ids).count():
        raise CompanyUserError(gettext("Una de las cuentas elegidas no es de la empresa."))
    if role == CompanyRole.ADMIN:
        return signature_level, []
    if not ids:
        raise CompanyUserError(gettext("Elige al menos una cuenta para el usuario."))
    return signature_level, ids


# --- Locks --------------------------------------------------------------------------------------


def _locked(company: Company, actor) -> tuple[Company, int]:
    """The company's row, then its administrators' rows (in id order), locked; and how many of
    them are active. Two administrators blocking, deleting or demoting each other at the same
    time would each count two active administrators and leave the company with none: every
    change here queues on these locks and counts again, and the actor must still be an
    active administrator when its turn comes. The company's row also serializes additions (a
    cédula is added once) with the signature-level changes of ``levels``."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    admins = list(
        CompanyUser.objects.select_for_update()
        .filter(company=company, role=CompanyRole.ADMIN)
        .order_by("pk")
    )
    active = [admin for admin in admins if admin.status == Status.ACTIVE]
    if not any(admin.user_id == actor.pk for admin in active):
        raise CompanyUserError(
            gettext("Solo un administrador activo de la empresa puede gestionar usuarios.")
        )
    return company, len(active)


def _target(company: Company, target: CompanyUser) -> CompanyUser:
    return (
        # Only the user's row: PostgreSQL cannot lock the nullable side of an outer join.
        CompanyUser.objects.select_for_update(of=("self",))
        .select_related("user", "signature_level")
        .get(pk=target.pk, company=company)
    )


def _refuse(problem: str | None) -> None:
    if problem:
        raise CompanyUserError(problem)


def _audit(verb: str, *, actor, company: Company, target: CompanyUser, before, after, reason):
    audit_record(
        actor=actor,
        action=f"company_user.{verb}",
        target=target,
        before=before,
        after=after,
        reason=reason,
        scope=company.audit_scope,
    )


def _access_json(profile: CompanyUser) -> dict:
    return {
        "rol": profile.role,
        "nivel_de_firma": profile.signature_level.letter if profile.signature_level_id else None,
        "cuentas": sorted(profile.accounts.values_list("number", flat=True)),
    }


def _ordered(services: Iterable[str]) -> list[str]:
    chosen = set(services)
    return [code for code in Service.values if code in chosen]


# --- Services -----------------------------------------------------------------------------------


def company_user_create(
    *,
    actor,
    company: Company,
    identification: str,
    sex: str,
    phone: str,
    first_names: str,
    first_surname: str,
    second_surname: str,
    email: str,
    role: str,
    signature_level: SignatureLevel | None,
    accounts: Iterable,
    reason: str,
    request=None,
) -> CompanyUser:
    """A new login for the company's member and its company profile, with every service the
    role allows; temporary credentials go to ``email`` (the first sign-in replaces them)."""
    reason = _reason(reason)
    if not (email or "").strip():
        raise CompanyUserError(gettext("Ingresa el correo: allí llegan sus credenciales."))
    with transaction.atomic(durable=True):
        company, _admins = _locked(company, actor)
        # Under the company's lock: two additions of one cédula cannot both pass this.
        _refuse(identification_problem(company, identification))
        level, account_ids = _access(company, role, signature_level, accounts)
        user = User.objects.create(
            username=temporary_username(),
            customer_id=company.member_id,
            first_name=first_names.strip()[:150],
            last_name=f"{first_surname.strip()} {second_surname.strip()}".strip()[:150],
            email=email.strip(),
            needs_setup=True,
        )
        profile = CompanyUser.objects.create(
            user=user,
            company=company,
            role=role,
            identification=ci.compact(identification),
            sex=sex,
            phone=phone.strip(),
            first_surname=first_surname.strip(),
            second_surname=second_surname.strip(),
            services=role_services(role),
            signature_level=level,
        )
        profile.accounts.set(account_ids)
        temporary_credentials_send(user=user, actor=actor, request=request)
        _audit(
            "create",
            actor=actor,
            company=company,
            target=profile,
            before=None,
            after={
                "identificacion": profile.identification,
                "nombre": display_name(profile),
                "email": user.email,
                "telefono": profile.phone,
                **_access_json(profile),
            },
            reason=reason,
        )
    return profile


def company_user_services_set(
    *, actor, company_user: CompanyUser, services: Iterable[str], reason: str
) -> CompanyUser:
    """Exactly these services (a subset of what the role allows, at least one); the list is
    stored as chosen, so what the administrator sees is what the user has."""
    reason = _reason(reason)
    with transaction.atomic(durable=True):
        company, _admins = _locked(company_user.company, actor)
        target = _target(company, company_user)
        _refuse(change_problem(actor=actor, target=target))
        chosen = _ordered(services)
        if set(services) - ROLE_SERVICES[target.role]:
            raise CompanyUserError(
                gettext("El rol %(role)s no permite uno de los servicios elegidos.")
                % {"role": target.get_role_display()}
            )
        if not chosen:
            raise CompanyUserError(gettext("Marca al menos un servicio."))
        before = _ordered(services_of(target))
        target.services = chosen
        target.save(update_fields=["services"])
        _audit(
            "services",
            actor=actor,
            company=company,
            target=target,
            before={"servicios": before},
            after={"servicios": chosen},
            reason=reason,
        )
    return target


def company_user_role_set(
    *,
    actor,
    company_user: CompanyUser,
    role: str,
    signature_level: SignatureLevel | None,
    accounts: Iterable,
    reason: str,
) -> CompanyUser:
    """Accounts, role and signature level. A new role brings every service it allows (the
    old role's choice means nothing for it)."""
    reason = _reason(reason)
    with transaction.atomic(durable=True):
        company, active_admins = _locked(company_user.company, actor)
        target = _target(company, company_user)
        _refuse(change_problem(actor=actor, target=target, role=role, active_admins=active_admins))
        level, account_ids = _access(company, role, signature_level, accounts)
        before = _access_json(target)
        fields = ["role", "signature_level"]
        if role != target.role:
            before["servicios"] = _ordered(services_of(target))
            target.services = role_services(role)
            fields.append("services")
        target.role = role
        target.signature_level = level
        target.save(update_fields=fields)
        target.accounts.set(account_ids)
        after = _access_json(target)
        if "servicios" in before:
            after["servicios"] = target.services
        _audit(
            "role",
            actor=actor,
            company=company,
            target=target,
            before=before,
            after=after,
            reason=reason,
        )
    return target


def _status_set(
    *, actor, company_user: CompanyUser, verb: str, old: tuple[str, ...], new: str, reason: str
) -> CompanyUser:
    reason = _reason(reason)
    with transaction.atomic(durable=True):
        company, active_admins = _locked(company_user.company, actor)
        target = _target(company, company_user)
        _refuse(change_problem(actor=actor, target=target, status=new, active_admins=active_admins))
        # The state moves only from where it is expected to be.
        moved = CompanyUser.objects.filter(pk=target.pk, status__in=old).update(status=new)
        if not moved:
            raise CompanyUserError(
                gettext("El usuario ya está %(status)s.")
                % {"status": target.get_status_display().lower()}
            )
        if new == Status.ACTIVE:
            User.objects.filter(pk=target.user_id).update(is_active=True)
        else:
            # Signing in is refused to inactive users, and the new epoch ends the sessions
            # they have open now.
            User.objects.filter(pk=target.user_id).update(
                is_active=False, session_epoch=F("session_epoch") + 1
            )
        _audit(
            verb,
            actor=actor,
            company=company,
            target=target,
            before={"estado": target.status},
            after={"estado": new},
            reason=reason,
        )
        target.status = new
    return target


def company_user_block(*, actor, company_user: CompanyUser, reason: str) -> CompanyUser:
    return _status_set(
        actor=actor,
        company_user=company_user,
        verb="block",
        old=(Status.ACTIVE,),
        new=Status.BLOCKED,
        reason=reason,
    )


def company_user_activate(*, actor, company_user: CompanyUser, reason: str) -> CompanyUser:
    return _status_set(
        actor=actor,
        company_user=company_user,
        verb="activate",
        old=(Status.BLOCKED,),
        new=Status.ACTIVE,
        reason=reason,
    )


def company_user_delete(*, actor, company_user: CompanyUser, reason: str) -> CompanyUser:
    """Irreversible: the user can never sign in again; the row stays for the audit trail (and
    the cédula may be added again as a new user)."""
    return _status_set(
        actor=actor,
        company_user=company_user,
        verb="delete",
        old=(Status.ACTIVE, Status.BLOCKED),
        new=Status.DELETED,
        reason=reason,
    )


def _active_target(company: Company, company_user: CompanyUser, actor) -> CompanyUser:
    target = _target(company, company_user)
    _refuse(credentials_problem(actor=actor, target=target))
    return target


def company_user_password_reset(
    *, actor, company_user: CompanyUser, reason: str, request=None
) -> CompanyUser:
    """New temporary credentials by e-mail: the user's next sign-in chooses a username and a
    password again. The old password stops working (and its sessions end with it)."""
    reason = _reason(reason)
    if company_user.user_id == actor.pk:
        raise CompanyUserError(
            gettext("Para cambiar tu propia contraseña usa «Perfil» › «Cambiar contraseña».")
        )
    with transaction.atomic(durable=True):
        company, _admins = _locked(company_user.company, actor)
        target = _active_target(company, company_user, actor)
        temporary_credentials_send(user=target.user, actor=actor, request=request)
        _audit(
            "password_reset",
            actor=actor,
            company=company,
            target=target,
            before=None,
            after={"email": target.user.email},
            reason=reason,
        )
    # A user locked by wrong passwords may sign in with the new credentials.
    user_unlock(user=target.user, actor=actor, request=request)
    return target


def company_user_username_send(
    *, actor, company_user: CompanyUser, reason: str, request=None
) -> CompanyUser:
    reason = _reason(reason)
    with transaction.atomic(durable=True):
        company, _admins = _locked(company_user.company, actor)
        target = _active_target(company, company_user, actor)
        notification_queue(
            channel="EMAIL",
            recipient=target.user.email,
            user=target.user,
            subject=gettext("Tu usuario de Cooprogreso en Línea"),
            sensitive=True,
            body=gettext(
                "Tu usuario de banca en línea de %(company)s es: %(username)s\n\nTe lo envió "
                "un administrador de la empresa."
            )
            % {"company": company.name, "username": target.user.username},
        )
        _audit(
            "username_send",
            actor=actor,
            company=company,
            target=target,
            before=None,
            after={"email": target.user.email},
            reason=reason,
        )
    return target
