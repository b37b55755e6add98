"""Reads of "Auditoría": every audited change in one company, in Spanish words: what was done
and to what ("Guardó el pago masivo «Nómina enero» (25 filas)"), by whom, what changed and
why, filtered by dates, user and kind of action. Never an internal code, key or id.

``AUDIT_ACTIONS`` is the one place an action code gets its words: the page, its filter and its
download all read it. It covers every code the project records (``audit_record`` calls and
the ``AuditEvent`` rows written directly; ``tests/enterprise/test_audit_readable.py`` reads the
sources and fails on a code missing here). A code it does not know reads as "Otra acción".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.registries.operations import operation_spec
from accounts.selectors import local_day_bounds
from common.formatting import date_short, money
from identity.models import AuditEvent, User

from ..models import ApprovalOrder, Company, CompanyRole, CompanyUser, Operation, Service

# --- The words of each action ------------------------------------------------------------------


@dataclass(frozen=True)
class ActionWords:
    #: what the filter and the download call it: "Bloquear usuario"
    label: str | Promise
    #: what the page says happened, with the words of its object: "Bloqueó a %(object)s"
    sentence: str | Promise
    #: a key of ``GROUPS``
    group: str


#: The kinds of action, as the filter groups them; the first six are a company's.
GROUPS = {
    "usuarios": _("Usuarios"),
    "niveles": _("Niveles de firma y montos"),
    "ordenes": _("Órdenes"),
    "beneficiarios": _("Beneficiarios"),
    "pagos": _("Pagos masivos"),
    "servicios": _("Pagos de servicios"),
    "seguridad": _("Seguridad y credenciales"),
    "ventanilla": _("Ventanilla y cupos"),
    "sistema": _("Sistema"),
}
COMPANY_GROUPS = ("usuarios", "niveles", "ordenes", "beneficiarios", "pagos", "servicios")


def _w(label, sentence, group) -> ActionWords:
    return ActionWords(label=label, sentence=sentence, group=group)


AUDIT_ACTIONS: dict[str, ActionWords] = {
    # Gestión de usuarios (enterprise/services/users.py)
    "company_user.create": _w(_("Agregar usuario"), _("Agregó al usuario %(object)s"), "usuarios"),
    "company_user.services": _w(
        _("Editar servicios por rol"), _("Editó los servicios de %(object)s"), "usuarios"
    ),
    "company_user.role": _w(
        _("Editar rol y firma"), _("Cambió el rol y la firma de %(object)s"), "usuarios"
    ),
    "company_user.password_reset": _w(
        _("Restablecer contraseña"), _("Restableció la contraseña de %(object)s"), "usuarios"
    ),
    "company_user.username_send": _w(
        _("Enviar usuario"), _("Envió a %(object)s su usuario de ingreso"), "usuarios"
    ),
    "company_user.block": _w(_("Bloquear usuario"), _("Bloqueó a %(object)s"), "usuarios"),
    "company_user.activate": _w(_("Activar usuario"), _("Activó a %(object)s"), "usuarios"),
    "company_user.delete": _w(_("Eliminar usuario"), _("Eliminó a %(object)s"), "usuarios"),
    # Niveles de firma (enterprise/services/levels.py)
    "company.limits": _w(
        _("Cambiar montos máximos"), _("Cambió los montos máximos de la empresa"), "niveles"
    ),
    "company.level_add": _w(
        _("Agregar nivel de firma"), _("Agregó el nivel de firma %(level)s"), "niveles"
    ),
    "company.level_remove": _w(
        _("Remover nivel de firma"), _("Removió el nivel de firma %(level)s"), "niveles"
    ),
    "company.bands": _w(
        _("Cambiar reglas de firmas"), _("Cambió las reglas de firmas de %(operation)s"), "niveles"
    ),
    # Orders (enterprise/services/approvals.py)
    "order.create": _w(_("Registrar orden"), _("Registró %(object)s"), "ordenes"),
    "order.approve": _w(_("Firmar orden"), _("Firmó %(object)s"), "ordenes"),
    "order.reject": _w(_("Rechazar orden"), _("Rechazó %(object)s"), "ordenes"),
    "order.withdraw": _w(_("Retirar orden"), _("Retiró %(object)s"), "ordenes"),
    "order.execute": _w(_("Orden ejecutada"), _("Se ejecutó %(object)s"), "ordenes"),
    "order.fail": _w(_("Orden fallida"), _("No se pudo ejecutar %(object)s"), "ordenes"),
    "order.expire": _w(
        _("Orden vencida"), _("Venció %(object)s sin completar sus firmas"), "ordenes"
    ),
    # Payees (transfers/services/beneficiaries.py, enterprise/services/payees.py)
    "beneficiary.add": _w(_("Agregar beneficiario"), _("Agregó %(object)s"), "beneficiarios"),
    "beneficiary.edit": _w(_("Editar beneficiario"), _("Editó %(object)s"), "beneficiarios"),
    "beneficiary.delete": _w(_("Eliminar beneficiario"), _("Eliminó %(object)s"), "beneficiarios"),
    "beneficiary.approve": _w(_("Aprobar beneficiario"), _("Aprobó %(object)s"), "beneficiarios"),
    "beneficiary.reject": _w(_("Rechazar beneficiario"), _("Rechazó %(object)s"), "beneficiarios"),
    # Bulk payments (payroll/services/batches.py)
    "payroll.save": _w(_("Guardar pago masivo"), _("Guardó %(object)s"), "pagos"),
    "payroll.rename": _w(
        _("Renombrar pago masivo"), _("Renombró %(object)s como «%(new)s»"), "pagos"
    ),
    "payroll.delete": _w(_("Eliminar pago masivo"), _("Eliminó %(object)s"), "pagos"),
    # Service payments (payments/services/operations.py, saved.py, schedules.py)
    "saved_service.add": _w(_("Guardar servicio"), _("Guardó el servicio %(object)s"), "servicios"),
    "saved_service.edit": _w(
        _("Editar servicio guardado"), _("Editó el servicio %(object)s"), "servicios"
    ),
    "saved_service.delete": _w(
        _("Eliminar servicio guardado"), _("Eliminó el servicio %(object)s"), "servicios"
    ),
    "payment_schedule.create": _w(
        _("Programar pago"), _("Programó el pago de %(object)s"), "servicios"
    ),
    "payment_schedule.order": _w(
        _("Registrar pago programado"),
        _("Registró la orden de programar el pago de %(object)s"),
        "servicios",
    ),
    "payment_schedule.pause": _w(
        _("Pausar pago programado"), _("Pausó el pago programado de %(object)s"), "servicios"
    ),
    "payment_schedule.resume": _w(
        _("Reanudar pago programado"), _("Reanudó el pago programado de %(object)s"), "servicios"
    ),
    "payment_schedule.cancel": _w(
        _("Cancelar pago programado"), _("Canceló el pago programado de %(object)s"), "servicios"
    ),
    "payment_schedule.finish": _w(
        _("Pago programado finalizado"),
        _("Finalizó el pago programado de %(object)s"),
        "servicios",
    ),
    "card.account_open": _w(
        _("Abrir cuenta de tarjeta"), _("Abrió la cuenta de la tarjeta %(object)s"), "ventanilla"
    ),
    # A person's own security (identity/services/*.py)
    "security.password": _w(_("Cambio de contraseña"), _("Cambió su contraseña"), "seguridad"),
    "security.username": _w(
        _("Cambio de nombre de usuario"), _("Cambió su nombre de usuario"), "seguridad"
    ),
    "security.questions": _w(
        _("Cambio de imagen y preguntas de seguridad"),
        _("Cambió su imagen y sus preguntas de seguridad"),
        "seguridad",
    ),
    "security.factor": _w(
        _("Cambio de factor de seguridad"), _("Cambió su factor de seguridad"), "seguridad"
    ),
    "security.totp_add": _w(
        _("Aplicación autenticadora agregada"),
        _("Agregó una aplicación autenticadora"),
        "seguridad",
    ),
    "security.totp_remove": _w(
        _("Aplicación autenticadora eliminada"),
        _("Eliminó su aplicación autenticadora"),
        "seguridad",
    ),
    "security.sessions": _w(
        _("Cierre de otras sesiones"), _("Cerró sus otras sesiones"), "seguridad"
    ),
    "security.passkey_add": _w(
        _("Llave de acceso registrada"), _("Registró una llave de acceso"), "seguridad"
    ),
    "security.passkey_remove": _w(
        _("Llave de acceso eliminada"), _("Eliminó una llave de acceso"), "seguridad"
    ),
    "device.register": _w(_("Dispositivo registrado"), _("Registró un dispositivo"), "seguridad"),
    "device.remove": _w(_("Dispositivo eliminado"), _("Eliminó un dispositivo"), "seguridad"),
    "credentials.setup": _w(
        _("Configuración de credenciales"), _("Configuró sus credenciales"), "seguridad"
    ),
    "credentials.password_reset": _w(
        _("Recuperación de contraseña"), _("Recuperó su contraseña"), "seguridad"
    ),
    "credentials.username_reminder": _w(
        _("Recordatorio de usuario"), _("Pidió que le recuerden su usuario"), "seguridad"
    ),
    "credentials.temporary": _w(
        _("Credenciales temporales"), _("Envió credenciales temporales a %(object)s"), "seguridad"
    ),
    "credentials.unlock": _w(
        _("Desbloqueo de usuario"), _("Desbloqueó el ingreso de %(object)s"), "seguridad"
    ),
    "credentials.image_miss": _w(
        _("Imagen de seguridad equivocada"),
        _("Se eligió una imagen de seguridad equivocada"),
        "seguridad",
    ),
    "enrolment.request": _w(
        _("Solicitud de registro"), _("Se solicitó el registro en la banca en línea"), "seguridad"
    ),
    "enrolment.approve": _w(
        _("Registro aprobado"), _("Aprobó una solicitud de registro"), "seguridad"
    ),
    "enrolment.reject": _w(
        _("Registro rechazado"), _("Rechazó una solicitud de registro"), "seguridad"
    ),
    # The counter and the member's own limits (accounts/services/backoffice.py, transfers)
    "ledger.deposit": _w(
        _("Depósito en ventanilla"), _("Registró un depósito en ventanilla"), "ventanilla"
    ),
    "ledger.withdrawal": _w(
        _("Retiro en ventanilla"), _("Registró un retiro en ventanilla"), "ventanilla"
    ),
    "ledger.interest": _w(
        _("Capitalización de intereses"), _("Capitalizó intereses"), "ventanilla"
    ),
    "limits.set": _w(
        _("Cambiar cupos de transferencias"), _("Cambió los cupos de transferencias"), "ventanilla"
    ),
    # What the portal's own workers record for the back office (cooperativa/celery.py).
    "system.task_failed": _w(
        _("Tarea en segundo plano fallida"),
        _("Una tarea en segundo plano falló: %(object)s"),
        "sistema",
    ),
}

#: What an action the list does not know is called (never its code).
OTHER_ACTION = _w(_("Otra acción"), _("Otra acción sobre %(object)s"), "")


def action_words(code: str) -> ActionWords:
    return AUDIT_ACTIONS.get(code, OTHER_ACTION)


def action_label(code: str) -> str:
    return str(action_words(code).label)


def audit_action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The filter's kinds of action, grouped: only those a company's records can hold."""
    return [
        (
            str(GROUPS[group]),
            [(code, str(w.label)) for code, w in AUDIT_ACTIONS.items() if w.group == group],
        )
        for group in COMPANY_GROUPS
    ]


# --- Readable values of what changed -----------------------------------------------------------

#: Readable names of the keys audit rows store.
AUDIT_KEYS = {
    "rol": _("Rol"),
    "estado": _("Estado"),
    "servicios": _("Servicios"),
    "cuentas": _("Cuentas"),
    "nivel_de_firma": _("Nivel de firma"),
    "identificacion": _("Identificación"),
    "nombre": _("Nombre"),
    "email": _("Correo"),
    "telefono": _("Teléfono"),
    "nivel": _("Nivel"),
    "operacion": _("Operación"),
    "reglas": _("Reglas"),
    "diario": _("Monto máximo diario"),
    "semanal": _("Monto máximo semanal"),
    "mensual": _("Monto máximo mensual"),
    "filas": _("Filas"),
    "kind": _("Tipo"),
    "amount": _("Monto"),
    "account": _("Cuenta"),
    "concept": _("Concepto"),
    "level": _("Nivel"),
    "receipt": _("Comprobante"),
    "rows": _("Filas"),
    "alias": _("Alias"),
    "holder": _("Titular"),
    "transaction": _("Comprobante"),
    "daily": _("Cupo diario"),
    "weekly": _("Cupo semanal"),
    "monthly": _("Cupo mensual"),
    "browser": _("Navegador"),
    "os": _("Sistema operativo"),
}
#: Internal references a person has no use for (a bulk payment's id, a transfer's row).
HIDDEN_KEYS = {"batch", "transfer"}
MONEY_KEYS = {"amount", "diario", "semanal", "mensual", "daily", "weekly", "monthly"}
UUID_RE = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)
BAND_RE = re.compile(r"^≤ ([0-9.]+): (.+)$")

_VALUES = {
    "rol": dict(CompanyRole.choices),
    "estado": dict(CompanyUser.Status.choices),
    "servicios": dict(Service.choices),
    "operacion": dict(Operation.choices),
}


def _kind_label(kind) -> str:
    spec = operation_spec(str(kind or ""))
    return str(spec.label) if spec is not None else gettext("Operación")


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        return None


def _money_text(value) -> str:
    amount = _decimal(value)
    return money(amount) if amount is not None else str(value)


def _band_text(value: str) -> str:
    """A stored band ("≤ 1000.00: A+B", "resto: A+B") in words."""
    match = BAND_RE.match(value)
    if match:
        return gettext("hasta %(amount)s: %(signatures)s") % {
            "amount": _money_text(match[1]),
            "signatures": match[2],
        }
    if value.startswith("resto: "):
        return gettext("el resto: %(signatures)s") % {"signatures": value[len("resto: ") :]}
    return value


def _value(key: str, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return gettext("Sí") if value else gettext("No")
    if isinstance(value, list):
        separator = "; " if key == "reglas" else ", "
        return separator.join(_value(key, item) for item in value)
    if isinstance(value, dict):
        return ", ".join(
            f"{_key_label(k)}: {_value(k, v)}"
            for k, v in sorted(value.items(), key=lambda item: _label_order(item[0]))
            if _shown(k, v)
        )
    if key in MONEY_KEYS:
        return _money_text(value)
    if key == "kind":
        return _kind_label(value)
    if key == "reglas":
        return _band_text(str(value))
    names = _VALUES.get(key, {})
    return str(names.get(value, value))


def _key_label(key: str) -> str:
    if key in AUDIT_KEYS:
        return str(AUDIT_KEYS[key])
    return key.replace("_", " ").capitalize()


def _shown(key: str, value) -> bool:
    return key not in HIDDEN_KEYS and not (isinstance(value, str) and UUID_RE.match(value))


def _label_order(key: str) -> str:
    return (_key_label(key) if key else "").lower()


def audit_details(before, after, *, told: Iterable[str] = ()) -> list[str]:
    """One line per changed key: "Rol: INGRESADOR → AUTORIZADOR"; a key present only after
    (a creation) or only before (a removal) shows its one value, unless the action's sentence
    already ``told`` it. Internal references (ids, uuids) are left out."""
    before = before if isinstance(before, dict) else ({} if before is None else {"": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"": after})
    told = set(told)
    lines = []
    # In label order: PostgreSQL's jsonb does not keep the order the keys were written in.
    for key in sorted({*before, *after}, key=_label_order):
        old, new = before.get(key), after.get(key)
        if not (_shown(key, old) and _shown(key, new)):
            continue
        label = _key_label(key) if key else ""
        prefix = f"{label}: " if label else ""
        if key in before and key in after:
            if old != new:
                lines.append(f"{prefix}{_value(key, old)} → {_value(key, new)}")
        elif key not in told:
            lines.append(f"{prefix}{_value(key, old if key in before else new)}")
    return lines


# --- The rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    code: str
    action: str  # the kind of action: "Guardar pago masivo"
    description: str  # what happened: "Guardó el pago masivo «Nómina enero» (25 filas)"
    details: list[str]
    reason: str
    amount: Decimal | None = None  # an order's amount
    subject: str = ""  # what it was done to: "Orden N.º 12"


@dataclass
class _Lookups:
    """What the page's rows name, each kind read in one query."""

    people: dict[tuple[str, str], str] = field(default_factory=dict)
    orders: dict[str, ApprovalOrder] = field(default_factory=dict)


def _lookups(events: list[AuditEvent], company: Company) -> _Lookups:
    def ids(target_type):
        return [
            int(e.target_id)
            for e in events
            if e.target_type == target_type and e.target_id.isdigit()
        ]

    found = _Lookups()
    for profile in CompanyUser.objects.filter(
        company=company, pk__in=ids("enterprise.companyuser")
    ).select_related("user"):
        found.people["enterprise.companyuser", str(profile.pk)] = _person(profile.user)
    for user in User.objects.filter(pk__in=ids("identity.user"), customer_id=company.member_id):
        found.people["identity.user", str(user.pk)] = _person(user)
    for order in ApprovalOrder.objects.filter(
        company=company, pk__in=ids("enterprise.approvalorder")
    ):
        found.orders[str(order.pk)] = order
    return found


def _person(user) -> str:
    return user.get_full_name() or user.username


def _data(event: AuditEvent) -> dict:
    """The event's stored values, those after the change winning."""
    merged = dict(event.before) if isinstance(event.before, dict) else {}
    if isinstance(event.after, dict):
        merged.update(event.after)
    return merged


def _order_words(event: AuditEvent, found: _Lookups) -> tuple[str, str, Decimal | None, set]:
    order = found.orders.get(event.target_id)
    data = _data(event)
    kind = order.kind if order else data.get("kind")
    amount = order.amount if order else _decimal(data.get("amount"))
    subject = gettext("Orden N.º %(n)s") % {"n": event.target_id}
    if kind is None or amount is None:
        return gettext("la orden N.º %(n)s") % {"n": event.target_id}, subject, None, set()
    words = gettext("la orden N.º %(n)s (%(kind)s por %(amount)s)") % {
        "n": event.target_id,
        "kind": _kind_label(kind),
        "amount": money(amount),
    }
    return words, subject, amount, {"kind", "amount"}


def _batch_words(event: AuditEvent) -> tuple[str, set]:
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    name = before.get("nombre") or after.get("nombre")
    rows = after.get("filas")
    if not name:
        return gettext("un pago masivo"), set()
    if not isinstance(rows, int):
        return gettext("el pago masivo «%(name)s»") % {"name": name}, {"nombre"}
    return ngettext(
        "el pago masivo «%(name)s» (%(rows)s fila)",
        "el pago masivo «%(name)s» (%(rows)s filas)",
        rows,
    ) % {"name": name, "rows": rows}, {"nombre", "filas"}


def _payee_words(event: AuditEvent) -> tuple[str, set]:
    data = event.before if isinstance(event.before, dict) and event.before else _data(event)
    name = data.get("alias") or data.get("holder")
    account = data.get("account")
    if name and account:
        words = gettext("el beneficiario «%(name)s» (cuenta %(account)s)")
    elif name or account:
        words = gettext("el beneficiario «%(name)s»")
    else:
        return gettext("un beneficiario"), set()
    return words % {"name": name or account, "account": account}, {"alias", "holder", "account"}


def _describe(event: AuditEvent, found: _Lookups) -> dict:
    """The words of the event's object, and what the sentence told (left out of the details)."""
    words = {"object": "", "new": "", "level": "", "operation": "", "subject": ""}
    told: set = set()
    amount = None
    target = event.target_type
    data = _data(event)
    if target in ("enterprise.companyuser", "identity.user"):
        words["object"] = found.people.get((target, event.target_id)) or gettext("un usuario")
        words["subject"] = words["object"]
    elif target == "enterprise.approvalorder":
        words["object"], words["subject"], amount, told = _order_words(event, found)
    elif target == "payroll.payrollbatch":
        words["object"], told = _batch_words(event)
        words["new"] = str(data.get("nombre", ""))  # a rename's new name
        words["subject"] = words["object"]
    elif target == "transfers.beneficiary":
        words["object"], told = _payee_words(event)
        words["subject"] = words["object"]
    else:
        words["object"] = gettext("un registro")
    if "nivel" in data:
        words["level"], told = str(data["nivel"]), {*told, "nivel"}
    if "operacion" in data:
        words["operation"] = _value("operacion", data["operacion"])
    return {"words": words, "told": told, "amount": amount}


def audit_entry(event: AuditEvent, found: _Lookups) -> AuditEntry:
    described = _describe(event, found)
    words = described["words"]
    action = action_words(event.action)
    if action is OTHER_ACTION and words["object"] == gettext("un registro"):
        description = gettext("Otra acción registrada")
    else:
        description = str(action.sentence) % words
    actor = _person(event.actor) if event.actor else gettext("Sistema")
    return AuditEntry(
        at=event.at,
        actor=actor,
        code=event.action,
        action=str(action.label),
        description=description,
        details=audit_details(event.before, event.after, told=described["told"]),
        reason=event.reason,
        amount=described["amount"],
        subject=words["subject"],
    )


def audit_entries(events, *, company: Company) -> list[AuditEntry]:
    """The page's rows, each naming the user, order, bulk payment or payee it touched (each
    kind in one query)."""
    events = list(events)
    found = _lookups(events, company)
    return [audit_entry(event, found) for event in events]


def audit_entries_all(events, *, company: Company, chunk: int = 2000) -> Iterator[AuditEntry]:
    """Every row of a download, read in chunks."""
    batch = []
    for event in events.iterator(chunk_size=chunk):
        batch.append(event)
        if len(batch) == chunk:
            yield from audit_entries(batch, company=company)
            batch = []
    if batch:
        yield from audit_entries(batch, company=company)


# --- The query ---------------------------------------------------------------------------------

SYSTEM = "sistema"  # the filter's value for what nobody did by hand (an order that expired)


def company_audit_events(
    *,
    company: Company,
    date_from: date | None = None,
    date_to: date | None = None,
    actor: str = "",
    action: str = "",
):
    """Every audited change in the company, newest first: within these local dates (both
    included), by this user (a user id, or ``SYSTEM``), of this kind of action (its code)."""
    events = AuditEvent.objects.filter(scope=company.audit_scope).select_related("actor")
    if date_from and date_to:
        start, end = local_day_bounds(date_from, date_to)
        events = events.filter(at__gte=start, at__lt=end)
    if actor == SYSTEM:
        events = events.filter(actor__isnull=True)
    elif actor:
        events = events.filter(actor_id=int(actor))
    if action:
        events = events.filter(action=action)
    return events


def audit_actor_choices(company: Company) -> list[tuple[str, str]]:
    """The filter's users: the company's, the deleted ones too (their records stay), and
    what the portal did by itself."""
    profiles = CompanyUser.objects.filter(company=company).select_related("user")
    people = []
    for profile in profiles:
        name = _person(profile.user)
        if profile.status == CompanyUser.Status.DELETED:
            name = gettext("%(name)s (usuario eliminado)") % {"name": name}
        people.append((str(profile.user_id), name))
    people.sort(key=lambda choice: choice[1].lower())
    return [*people, (SYSTEM, gettext("Sistema (automático)"))]


def audit_description(
    *, date_from: date, date_to: date, actor: str = "", action: str = "", company: Company
) -> str:
    """What a download covers, in words: "Desde 01/ene./2026 – Hasta 31/ene./2026 · …"."""
    parts = [
        gettext("Desde %(date_from)s – Hasta %(date_to)s")
        % {"date_from": date_short(date_from), "date_to": date_short(date_to)}
    ]
    if actor:
        names = dict(audit_actor_choices(company))
        parts.append(gettext("Usuario: %(name)s") % {"name": names.get(actor, "—")})
    if action:
        parts.append(gettext("Acción: %(action)s") % {"action": action_label(action)})
    return " · ".join(parts)
