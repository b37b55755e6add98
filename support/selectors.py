"""Reads for the support pages. A member only ever reaches their own complaints."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .models import Complaint


def complaint_for_token(*, user, token: str) -> Complaint | None:
    """The complaint this user's form (by its token) already filed, if any."""
    if not token:
        return None
    return Complaint.objects.filter(user=user, idempotency_key=token).first()


def complaint_get_for_user(*, user, tracking_number: str) -> Complaint:
    try:
        return Complaint.objects.get(user=user, tracking_number=tracking_number)
    except Complaint.DoesNotExist:
        raise Http404 from None


def complaint_initial(*, user) -> dict[str, str]:
    """The form's contact fields, taken from the member the login operates (staff logins have
    none, so their own name)."""
    member = getattr(user, "customer", None)
    if member is None:
        return {"names": user.get_full_name()}
    return {
        "names": member.full_name,
        "identification": member.identification,
        "phone": member.phone,
    }


def complaint_ack_address(*, user, member=None) -> str:
    """Where a complaint's acknowledgement goes: the login's registered e-mail, else the
    member's, as every other notice of the portal; "" when there is none. Never an address
    typed in a form: the acknowledgement leaves from the cooperative's own address, so it may
    only reach somebody the cooperative already knows. ``member``: the row just locked, when
    the caller has it."""
    if member is None:
        member = getattr(user, "customer", None)
    return user.email or (member.email if member is not None else "")


@dataclass(frozen=True)
class Question:
    question: str
    answer: str


# Answers may name the call-centre phone or the statement window: filled in when read, so a
# change of setting never leaves a stale number in the page.
FAQ = (
    (
        _("¿Cómo me registro en la banca en línea?"),
        _(
            "Acércate a cualquier agencia de Cooprogreso con tu documento de identidad. Te "
            "entregaremos tu usuario y enviaremos una clave temporal a tu correo registrado; la "
            "primera vez que ingreses, el sistema te pedirá cambiarla por una clave personal."
        ),
    ),
    (
        _("Mi usuario está bloqueado, ¿cómo lo desbloqueo?"),
        _(
            "Por tu seguridad, el usuario se bloquea después de %(failures)s intentos fallidos "
            "seguidos. Comunícate con servicio al socio al %(phone)s o acércate a una agencia: "
            "verificaremos tu identidad y lo activaremos de nuevo."
        ),
    ),
    (
        _("Olvidé mi contraseña, ¿qué hago?"),
        _(
            "Llama a servicio al socio al %(phone)s o acércate a una agencia con tu documento de "
            "identidad. Después de verificar quién eres, te enviaremos una clave temporal a tu "
            "correo registrado, que deberás cambiar al ingresar."
        ),
    ),
    (
        _("¿Qué es el código de verificación (OTP)?"),
        _(
            "Es un código de 6 dígitos que te enviamos por correo o SMS para aprobar una "
            "operación. Sirve una sola vez, solo para la operación que describe el mensaje, y "
            "vence a los 3 minutos. No lo compartas con nadie: Cooprogreso nunca te lo pedirá."
        ),
    ),
    (
        _("¿Desde qué dispositivos puedo ingresar?"),
        _(
            "Desde cualquier computador, tableta o teléfono con un navegador actualizado. En la "
            "parte superior de la página verás la fecha, el dispositivo y la dirección de tu "
            "última conexión; si no la reconoces, llama de inmediato al %(phone)s."
        ),
    ),
    (
        _("¿Cuáles son mis límites para transacciones?"),
        _(
            "Cada tipo de operación tiene un monto máximo diario que protege tu dinero. Para "
            "conocer tus límites o solicitar un cambio, comunícate con servicio al socio al "
            "%(phone)s o acércate a una agencia."
        ),
    ),
    (
        _("¿Cuándo se acreditan mis transferencias?"),
        _(
            "Las transferencias entre cuentas de Cooprogreso se acreditan de inmediato, todos los "
            "días. Las transferencias a otras instituciones financieras se procesan por el "
            "Sistema de Pagos Interbancarios del Banco Central en días hábiles: las que hagas "
            "fuera del horario de corte, en fines de semana o feriados se acreditan el siguiente "
            "día hábil."
        ),
    ),
    (
        _("¿Cómo descargo mi estado de cuenta?"),
        _(
            "En Estado de cuenta elige la cuenta y el mes, hasta %(months)s meses atrás, y "
            "descarga el documento en PDF."
        ),
    ),
    (
        _("¿Cómo presento una queja o un reclamo?"),
        _(
            "En Soporte, opción Quejas y reclamos, completa el formulario y, si tienes, adjunta un "
            "documento de respaldo (PDF, PNG o JPEG de hasta 5 MB). Recibirás un número de "
            "reclamo y una constancia en tu correo electrónico."
        ),
    ),
    (
        _("¿Cómo sé en qué estado está mi reclamo?"),
        _(
            "Llama a servicio al socio al %(phone)s o escribe a %(email)s indicando tu número de "
            "reclamo (por ejemplo, RC-2026-000123)."
        ),
    ),
    (
        _("¿Cómo protejo mi cuenta?"),
        _(
            "Cooprogreso nunca te pedirá tu contraseña ni tus códigos de verificación por "
            "teléfono, correo o redes sociales. Ingresa siempre escribiendo la dirección del "
            "portal y cierra la sesión con el botón Salir al terminar."
        ),
    ),
)


def faq_entries() -> list[Question]:
    values = {
        "phone": settings.COOPERATIVE["phone"],
        "email": settings.COOPERATIVE["email"],
        "failures": settings.AXES_FAILURE_LIMIT,
        "months": settings.MOVEMENTS_MAX_MONTHS,
    }
    # Translated first, then filled in: a translation places the values where its grammar wants.
    return [Question(str(q), str(a) % values) for q, a in FAQ]


def contact_info() -> dict[str, str]:
    cooperative = settings.COOPERATIVE
    return {
        "phone": cooperative["phone"],
        "phone_uri": "tel:" + "".join(c for c in cooperative["phone"] if c.isdigit() or c == "+"),
        "email": cooperative["email"],
        "address": cooperative["address"],
    }
