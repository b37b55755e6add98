"""Security changes a signed-in user makes from "Perfil", each already approved by a code."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..models import OtpFactor, PasswordHistory, SecurityAnswer, User
from .audit import audit_record, client_ip
from .credentials import email_of, username_validate
from .notifications import notification_queue


def other_sessions_close(*, request, user: User) -> None:
    """Every other session of this user ends at its next request; this one goes on."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch", "password"])
    update_session_auth_hash(request, user)


def other_sessions_close_asked(*, request, user: User) -> None:
    """The person asked from "Seguridad" to end their other sessions: closed and audited."""
    other_sessions_close(request=request, user=user)
    audit_record(actor=user, action="security.sessions", target=user, ip=client_ip(request))


def _tell(user: User, subject: str, body: str) -> None:
    email = email_of(user)
    if email:
        notification_queue(channel="EMAIL", recipient=email, user=user, subject=subject, body=body)


def password_change(*, request, user: User, password_hash: str) -> None:
    """Sets a password already checked against the rules (only its hash travels here)."""
    with transaction.atomic():
        user.password = password_hash
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        PasswordHistory.objects.create(user=user, password=password_hash)
        audit_record(actor=user, action="security.password", target=user, ip=client_ip(request))
        _tell(
            user,
            gettext("Tu contraseña fue actualizada"),
            gettext(
                "Tu contraseña de Cooprogreso en Línea fue cambiada. Si no fuiste tú, comunícate "
                "con la cooperativa al %(phone)s."
            )
            % {"phone": settings.COOPERATIVE["phone"]},
        )
        other_sessions_close(request=request, user=user)


def username_change(*, request, user: User, username: str) -> None:
    with transaction.atomic():
        before = user.username
        user.username = username_validate(username, user=user)
        user.save(update_fields=["username"])
        audit_record(
            actor=user,
            action="security.username",
            target=user,
            before={"username": before},
            after={"username": user.username},
            ip=client_ip(request),
        )


def security_questions_set(*, request, user: User, image: str, answers) -> None:
    with transaction.atomic():
        user.security_image = image
        user.save(update_fields=["security_image"])
        SecurityAnswer.objects.filter(user=user).delete()
        SecurityAnswer.objects.bulk_create(
            SecurityAnswer(user=user, question=q, answer=a) for q, a in answers
        )
        audit_record(actor=user, action="security.questions", target=user, ip=client_ip(request))


def factor_set(*, request, user: User, factor: str) -> None:
    with transaction.atomic():
        before = user.otp_factor
        user.otp_factor = factor
        user.save(update_fields=["otp_factor"])
        audit_record(
            actor=user,
            action="security.factor",
            target=user,
            before={"factor": before},
            after={"factor": factor},
            ip=client_ip(request),
        )
        other_sessions_close(request=request, user=user)


def factors_available(user: User) -> list[tuple[str, str]]:
    member = user.customer
    available = []
    if email_of(user):
        available.append((OtpFactor.EMAIL, OtpFactor.EMAIL.label))
    if member is not None and member.phone:
        available.append((OtpFactor.SMS, OtpFactor.SMS.label))
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        available.append((OtpFactor.TOTP, OtpFactor.TOTP.label))
    if user.passkeys.exists():
        available.append((OtpFactor.PASSKEY, OtpFactor.PASSKEY.label))
    return available


def totp_pending(*, user: User) -> TOTPDevice:
    """The authenticator being enrolled: unconfirmed until the person types a code from it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=gettext("Aplicación autenticadora"), confirmed=False
        )
    return device


def totp_confirm(*, request, user: User, code: str) -> bool:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None or not code.isdigit() or not device.verify_token(code):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        user.otp_factor = OtpFactor.TOTP
        user.save(update_fields=["otp_factor"])
        audit_record(actor=user, action="security.totp_add", target=user, ip=client_ip(request))
        _tell(
            user,
            gettext("Agregaste una aplicación autenticadora"),
            gettext(
                "Desde ahora tus códigos de seguridad los genera tu aplicación autenticadora. Si "
                "no fuiste tú, comunícate con la cooperativa al %(phone)s."
            )
            % {"phone": settings.COOPERATIVE["phone"]},
        )
        other_sessions_close(request=request, user=user)
    return True


def totp_remove(*, request, user: User) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        if user.otp_factor == OtpFactor.TOTP:
            user.otp_factor = OtpFactor.EMAIL
            user.save(update_fields=["otp_factor"])
        audit_record(actor=user, action="security.totp_remove", target=user, ip=client_ip(request))
        other_sessions_close(request=request, user=user)


def totp_qr_svg(device: TOTPDevice) -> str:
    import segno

    uri = device.config_url
    # django-otp builds the otpauth URI (issuer and label from settings and the user).
    return segno.make(uri, error="m").svg_data_uri(scale=4, border=2)
