from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db import connections, router
from django.http import Http404
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AuditEvent, Consent, Member, Passkey, SignIn, TrustedDevice, User

SESSION_KEY = "previous_sign_in"


@dataclass(frozen=True)
class PreviousSignIn:
    at: datetime
    device: str
    ip: str | None


def previous_sign_in(*, user: User) -> PreviousSignIn | None:
    """The latest recorded sign-in: what "Última conexión" shows."""
    last = SignIn.objects.filter(user=user).order_by("-at", "-id").first()
    return PreviousSignIn(last.at, last.device, last.ip) if last else None


def remember_previous_sign_in(*, request, user: User) -> None:
    """Called at sign-in, before this one is recorded: the session keeps the previous one, so
    no page needs a query to show it."""
    previous = previous_sign_in(user=user)
    request.session[SESSION_KEY] = (
        {"at": previous.at.isoformat(), "device": previous.device, "ip": previous.ip}
        if previous
        else None
    )


def previous_sign_in_for_request(request) -> PreviousSignIn | None:
    stored = request.session.get(SESSION_KEY, False)
    if stored is False:  # a session from before this was kept
        return previous_sign_in(user=request.user)
    if not stored:
        return None
    return PreviousSignIn(datetime.fromisoformat(stored["at"]), stored["device"], stored["ip"])


@cache
def _user_with_customer_plan(alias: str):
    """The SQL and per-column converters for ``user_with_customer``, built once per database
    from the models' own fields, so a new field is picked up without touching this code. (The
    backends' converters only reshape values and take the connection as an argument, so one
    plan serves every thread's connection.)"""
    connection = connections[alias]
    quote = connection.ops.quote_name
    plan = []
    columns = []
    for model, table_alias in ((User, "u"), (Member, "m")):
        fields = model._meta.concrete_fields
        for field in fields:
            columns.append(f"{table_alias}.{quote(field.column)}")
        converters = []
        for field in fields:
            col = field.get_col(table_alias)
            converters.append(
                (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
            )
        plan.append((model, [f.attname for f in fields], converters))
    # Only quoted identifiers from the models are interpolated; the id is a parameter.
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(User._meta.db_table)} u"  # noqa: S608
        f" LEFT JOIN {quote(Member._meta.db_table)} m ON m.{quote('id')} = u.{quote('customer_id')}"
        f" WHERE u.{quote('id')} = %s"
    )
    return sql, plan


def _load(model, alias, attnames, converters, values, connection):
    converted = []
    for value, (col, field_converters) in zip(values, converters, strict=True):
        for converter in field_converters:
            value = converter(value, col, connection)
        converted.append(value)
    return model.from_db(alias, attnames, converted)


def user_with_customer(*, user_id) -> User | None:
    """``User.objects.select_related("customer").get(pk=user_id)`` without the ORM's per-call
    SQL compilation, which on PostgreSQL cost four times the query itself. Models are built with
    Django's own ``from_db`` and field converters, exactly as a queryset would build them."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    alias = router.db_for_read(User)
    connection = connections[alias]
    sql, ((user_model, user_names, user_conv), (member_model, member_names, member_conv)) = (
        _user_with_customer_plan(alias)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(user_names)
    user = _load(user_model, alias, user_names, user_conv, row[:split], connection)
    member_values = row[split:]
    if member_values[0] is not None:
        user.customer = _load(
            member_model, alias, member_names, member_conv, member_values, connection
        )
    return user


def security_activity(*, user: User, limit: int = 20):
    """Recent sign-ins and security changes, newest first: "Actividad de seguridad"."""
    sign_ins = [
        {"at": s.at, "what": gettext("Inicio de sesión"), "device": s.device, "ip": s.ip}
        for s in SignIn.objects.filter(user=user).order_by("-at")[:limit]
    ]
    labels = {
        "security.password": gettext("Cambio de contraseña"),
        "security.username": gettext("Cambio de nombre de usuario"),
        "security.questions": gettext("Cambio de imagen y preguntas de seguridad"),
        "security.factor": gettext("Cambio de factor de seguridad"),
        "security.totp_add": gettext("Aplicación autenticadora agregada"),
        "security.totp_remove": gettext("Aplicación autenticadora eliminada"),
        "device.register": gettext("Dispositivo registrado"),
        "device.remove": gettext("Dispositivo eliminado"),
        "credentials.setup": gettext("Configuración de credenciales"),
        "credentials.password_reset": gettext("Recuperación de contraseña"),
        "credentials.unlock": gettext("Desbloqueo de usuario"),
        "security.sessions": gettext("Cierre de otras sesiones"),
        "security.passkey_add": gettext("Llave de acceso registrada"),
        "security.passkey_remove": gettext("Llave de acceso eliminada"),
    }
    changes = [
        {"at": e.at, "what": labels.get(e.action, e.action), "device": "", "ip": e.ip}
        for e in AuditEvent.objects.filter(actor=user, action__in=list(labels)).order_by("-at")[
            :limit
        ]
    ]
    return sorted(sign_ins + changes, key=lambda row: row["at"], reverse=True)[:limit]


def devices_of(*, user: User):
    """The browsers this user registered and has not removed."""
    return TrustedDevice.objects.filter(user=user, removed_at__isnull=True)


def device_get_for_user(*, user: User, pk: int) -> TrustedDevice:
    """One of this user's registered browsers, or 404."""
    device = devices_of(user=user).filter(pk=pk).first()
    if device is None:
        raise Http404
    return device


def passkeys_of(*, user: User):
    return Passkey.objects.filter(user=user)


def passkey_get_for_user(*, user: User, pk: int) -> Passkey:
    """One of this user's passkeys, or 404."""
    passkey = passkeys_of(user=user).filter(pk=pk).first()
    if passkey is None:
        raise Http404
    return passkey


def totp_enrolling(*, user: User) -> TOTPDevice | None:
    """The authenticator being enrolled (not confirmed yet), if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def consents_of(*, user: User):
    """The texts the member this login operates accepted ("Términos aceptados")."""
    if not user.customer_id:
        return Consent.objects.none()
    return Consent.objects.filter(member_id=user.customer_id).select_related("document")


def challenge_of(*, pk, user: User | None = None, member: Member | None = None):
    """The code challenge a posted or kept id names, only if it is this person's (None
    otherwise: a forged id finds nothing)."""
    from .models import OtpChallenge

    try:
        pk = int(pk or 0)
    except (TypeError, ValueError):
        return None
    return OtpChallenge.objects.filter(pk=pk, user=user, member=member).first()


def trusted_device(*, pk) -> TrustedDevice | None:
    return TrustedDevice.objects.filter(pk=pk).first()


def flow_subject(*, user_id=None, member_id=None) -> tuple[User | None, Member | None]:
    """Whom an anonymous recovery flow is for, read with one query whichever it is (a decoy's
    ids are 0 and find nobody in the same time)."""
    if member_id is None:
        user = User.objects.select_related("customer").filter(pk=user_id or 0).first()
        return user, None
    return None, Member.objects.filter(pk=member_id or 0).first()
