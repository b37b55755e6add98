"""Reads of "Auditoría": every audited change in one company, in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from identity.models import AuditEvent

from ..models import Company, CompanyRole, CompanyUser, Service

#: What each audited action is called on the "Auditoría" page; codes not here show as stored.
AUDIT_ACTIONS = {
    "company_user.create": _("Agregar usuario"),
    "company_user.services": _("Editar servicios por rol"),
    "company_user.role": _("Editar rol y firma"),
    "company_user.password_reset": _("Restablecer contraseña"),
    "company_user.username_send": _("Enviar usuario"),
    "company_user.block": _("Bloquear usuario"),
    "company_user.activate": _("Activar usuario"),
    "company_user.delete": _("Eliminar usuario"),
    "company.limits": _("Configuración de cupos"),
    "company.level_add": _("Agregar nivel de firma"),
    "company.level_remove": _("Remover nivel de firma"),
    "company.bands": _("Reglas de firmas"),
    "order.create": _("Registrar orden"),
    "order.approve": _("Autorizar orden"),
    "order.reject": _("Rechazar orden"),
    "order.withdraw": _("Retirar orden"),
    "order.execute": _("Orden ejecutada"),
    "order.fail": _("Orden fallida"),
    "order.expire": _("Orden expirada"),
    "beneficiary.add": _("Agregar beneficiario"),
    "beneficiary.edit": _("Editar beneficiario"),
    "beneficiary.delete": _("Eliminar beneficiario"),
    "beneficiary.approve": _("Aprobar beneficiario"),
    "beneficiary.reject": _("Rechazar beneficiario"),
}

#: Readable names of the keys audit rows store.
AUDIT_KEYS = {
    "rol": _("Rol"),
    "estado": _("Estado"),
    "servicios": _("Servicios"),
    "cuentas": _("Cuentas"),
    "nivel_de_firma": _("Nivel de firma"),
    "identificacion": _("Identificación"),
    "nombre": _("Nombre"),
    "email": _("Email"),
    "telefono": _("Teléfono"),
    "nivel": _("Nivel"),
    "operacion": _("Operación"),
    "reglas": _("Reglas"),
    "kind": _("Tipo"),
    "amount": _("Monto"),
    "account": _("Cuenta"),
    "concept": _("Concepto"),
    "level": _("Nivel"),
}

_VALUES = {
    "rol": dict(CompanyRole.choices),
    "servicios": dict(Service.choices),
}


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    subject: str
    details: list[str]
    reason: str


def company_audit_events(*, company: Company):
    """Every audited change in the company, newest first."""
    return AuditEvent.objects.filter(scope=company.audit_scope).select_related("actor")


def _value(key: str, value) -> str:
    names = _VALUES.get(key, {})
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(_value(key, item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value(k, v)}" for k, v in value.items())
    return str(names.get(value, value))


def audit_details(before, after) -> list[str]:
    """One line per changed key: "Rol: INGRESADOR → AUTORIZADOR"; a key present only after
    (a creation) or only before (a removal) shows its one value."""
    before = before if isinstance(before, dict) else ({} if before is None else {"": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"": after})
    lines = []
    for key in [*before, *(k for k in after if k not in before)]:
        label = str(AUDIT_KEYS.get(key, key))
        prefix = f"{label}: " if label else ""
        if key in before and key in after:
            if before[key] == after[key]:
                continue
            lines.append(f"{prefix}{_value(key, before[key])} → {_value(key, after[key])}")
        else:
            lines.append(f"{prefix}{_value(key, before.get(key, after.get(key)))}")
    return lines


def audit_entries(events, *, company: Company) -> list[AuditEntry]:
    """The page's rows, each naming the user it changed (company users, in one query)."""
    events = list(events)
    user_ids = {
        event.target_id for event in events if event.target_type == "enterprise.companyuser"
    }
    names = {
        str(profile.pk): profile.user.get_full_name() or profile.user.username
        for profile in CompanyUser.objects.filter(
            company=company, pk__in=[int(pk) for pk in user_ids if pk.isdigit()]
        ).select_related("user")
    }
    entries = []
    for event in events:
        subject = ""
        if event.target_type == "enterprise.companyuser":
            subject = names.get(event.target_id, "")
        elif event.target_type == "enterprise.approvalorder":
            subject = gettext("Orden N.º %(n)s") % {"n": event.target_id}
        actor = (event.actor.get_full_name() or event.actor.username) if event.actor else "—"
        entries.append(
            AuditEntry(
                at=event.at,
                actor=actor,
                action=str(AUDIT_ACTIONS.get(event.action, event.action)),
                subject=subject,
                details=audit_details(event.before, event.after),
                reason=event.reason,
            )
        )
    return entries
