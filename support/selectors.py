"""Reads for the support pages. A member only ever reaches their own complaints."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from identity.services.otp import CODE_TTL

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
    link: str = ""  # where the portal does what the answer says, and the link's text
    url: str = ""


# Answers may name the call-centre phone or the statement window: filled in when read, so a
# change of setting never leaves a stale number in the page. What the portal itself offers
# (registration, unlocking, a forgotten user or password, transfer limits) is answered with
# the portal's own option, never with a trip to an agency, and links the option's page (the
# pre-sign-in ones: pages a signed-in option may refuse to some logins are only named).
FAQ = (
    (
        _("¿Cómo me registro en la banca en línea?"),
        _(
            "En la página de ingreso elige «Regístrate»: escribe tu número de identificación, "
            "acepta los términos y condiciones y confirma con el código de seguridad que te "
            "enviamos a tu correo o celular registrados en la cooperativa. Cuando tu registro "
            "quede aprobado te enviaremos un usuario y una contraseña temporales a tu correo "
            "registrado; la primera vez que ingreses, el sistema te pedirá cambiarlos por "
            "unos personales."
        ),
        ("identity:enrol", _("Regístrate")),
    ),
    (
        _("Mi usuario está bloqueado, ¿cómo lo desbloqueo?"),
        _(
            "Por tu seguridad, el usuario se bloquea después de %(failures)s intentos fallidos "
            "seguidos. Desbloquéalo tú mismo en la página de ingreso, opción «Desbloquear tu "
            "usuario»: escribe tu identificación y tu usuario y confirma con el código de "
            "seguridad que te enviamos. Si ya no tienes acceso a tu correo ni a tu celular "
            "registrados, comunícate con servicio al socio al %(phone)s."
        ),
        ("identity:unlock", _("Desbloquear tu usuario")),
    ),
    (
        _("Olvidé mi contraseña, ¿qué hago?"),
        _(
            "En la página de ingreso elige «Olvidé mi contraseña»: escribe tu identificación y "
            "tu usuario, elige tu imagen de seguridad y confirma con el código de seguridad "
            "que te enviamos. Recibirás una contraseña temporal en tu correo registrado; al "
            "ingresar con ella deberás crear una nueva."
        ),
        ("identity:forgot_password", _("Olvidé mi contraseña")),
    ),
    (
        _("Olvidé mi usuario, ¿cómo lo recupero?"),
        _(
            "En la página de ingreso elige «Olvidé mi usuario»: escribe tu identificación y "
            "confirma con el código de seguridad que te enviamos. Te enviaremos tu usuario a "
            "tu correo electrónico registrado."
        ),
        ("identity:forgot_username", _("Olvidé mi usuario")),
    ),
    (
        _("¿Qué es el código de verificación (OTP)?"),
        _(
            "Es un código de 6 dígitos que te enviamos por correo o SMS, o que genera tu "
            "aplicación autenticadora, para aprobar una operación. Un código enviado sirve una "
            "sola vez, solo para la operación que describe el mensaje, y vence a los "
            "%(code_minutes)s minutos. No lo compartas con nadie: Cooprogreso nunca te lo "
            "pedirá."
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
            "Cada tipo de transferencia tiene un cupo diario, semanal y mensual que protege tu "
            "dinero. Consúltalos y cámbialos tú mismo en Transferencias, opción «Personalización "
            "de cupos», dentro de los máximos de la cooperativa; el cambio se confirma con tu "
            "código de seguridad."
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
        "code_minutes": int(CODE_TTL.total_seconds() // 60),
    }
    entries = []
    for question, answer, *page in FAQ:
        # Translated first, then filled in: a translation places the values where its grammar
        # wants.
        url_name, link = page[0] if page else ("", "")
        entries.append(
            Question(
                str(question),
                str(answer) % values,
                link=str(link),
                url=reverse(url_name) if url_name else "",
            )
        )
    return entries


def contact_info() -> dict[str, str]:
    cooperative = settings.COOPERATIVE
    return {
        "phone": cooperative["phone"],
        "phone_uri": "tel:" + "".join(c for c in cooperative["phone"] if c.isdigit() or c == "+"),
        "email": cooperative["email"],
        "address": cooperative["address"],
    }
