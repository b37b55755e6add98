"""One-time codes bound to what they approve ("dynamic linking").

A challenge stores the operation kind and a digest of its data (amount, payee, account …). The
code reaches the member through the notification outbox, saying what it approves, and passes
only for that exact operation, once, before it expires, within a few attempts.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext

from .models import Notification, OtpChallenge
from .notifications import notification_queue

CODE_TTL = timedelta(minutes=3)
MAX_ATTEMPTS = 5
MAX_RESENDS = 3


class OtpError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def operation_digest(*, purpose: str, operation: dict) -> str:
    canonical = json.dumps({"purpose": purpose, **operation}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _hash(salt: str, code: str) -> str:
    return salted_hmac("identity.otp", f"{salt}:{code}", algorithm="sha256").hexdigest()


def _new_code() -> tuple[str, str, str]:
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    return code, salt, _hash(salt, code)


def _destination(user) -> tuple[str, str]:
    member = getattr(user, "customer", None)
    email = user.email or (member.email if member else "")
    if email:
        return Notification.Channel.EMAIL, email
    phone = member.phone if member else ""
    if phone:
        return Notification.Channel.SMS, phone
    raise OtpError(
        gettext("No tienes un correo ni un teléfono registrados para recibir el código.")
    )


def _send(challenge: OtpChallenge, code: str) -> None:
    body = gettext("Código %(code)s para %(what)s. No lo compartas.") % {
        "code": code,
        "what": challenge.description,
    }
    notification_queue(
        channel=challenge.channel,
        recipient=challenge.destination,
        body=body,
        subject=gettext("Tu código de verificación"),
        user=challenge.user,
    )


def challenge_start(*, user, purpose: str, operation: dict, description: str) -> OtpChallenge:
    """Send a code for this operation; any earlier live code for the same purpose dies."""
    channel, destination = _destination(user)
    code, salt, code_hash = _new_code()
    with transaction.atomic():
        OtpChallenge.objects.filter(
            user=user, purpose=purpose, status=OtpChallenge.Status.PENDING
        ).update(status=OtpChallenge.Status.CANCELLED)
        challenge = OtpChallenge.objects.create(
            user=user,
            purpose=purpose,
            digest=operation_digest(purpose=purpose, operation=operation),
            description=description[:200],
            salt=salt,
            code_hash=code_hash,
            channel=channel,
            destination=destination,
            expires_at=timezone.now() + CODE_TTL,
        )
        _send(challenge, code)
    return challenge


def challenge_resend(*, challenge_id: int, user) -> OtpChallenge:
    """A fresh code and a fresh expiry; failed attempts still count (resending is no way around
    the attempt limit)."""
    with transaction.atomic():
        challenge = _locked(challenge_id, user)
        if challenge.resends >= MAX_RESENDS:
            raise OtpError(
                gettext("Alcanzaste el máximo de reenvíos. Inicia la operación de nuevo.")
            )
        code, challenge.salt, challenge.code_hash = _new_code()
        challenge.resends += 1
        challenge.expires_at = timezone.now() + CODE_TTL
        challenge.save(update_fields=["salt", "code_hash", "resends", "expires_at"])
        _send(challenge, code)
    return challenge


def challenge_verify(
    *, challenge_id: int, user, purpose: str, operation: dict, code: str
) -> OtpChallenge:
    """Approve the operation, or raise OtpError with what the person should be told. A failure's
    bookkeeping (attempts, expiry, blocking) is committed before the error is raised."""
    with transaction.atomic():
        challenge = _locked(challenge_id, user)
        error = _check(challenge, user=user, purpose=purpose, operation=operation, code=code)
        if error is None:
            challenge.status = OtpChallenge.Status.USED
            challenge.used_at = timezone.now()
            challenge.save(update_fields=["status", "used_at"])
    if error is not None:
        raise OtpError(error)
    return challenge


def _check(
    challenge: OtpChallenge, *, user, purpose: str, operation: dict, code: str
) -> str | None:
    if timezone.now() >= challenge.expires_at:
        challenge.status = OtpChallenge.Status.EXPIRED
        challenge.save(update_fields=["status"])
        return gettext("El código expiró. Solicita uno nuevo.")
    expected = operation_digest(purpose=purpose, operation=operation)
    if challenge.purpose != purpose or not constant_time_compare(challenge.digest, expected):
        # The operation changed after the code was sent: this code cannot approve it.
        challenge.status = OtpChallenge.Status.CANCELLED
        challenge.save(update_fields=["status"])
        return gettext("El código no corresponde a esta operación. Solicita uno nuevo.")
    if constant_time_compare(challenge.code_hash, _hash(challenge.salt, (code or "").strip())):
        return None
    challenge.attempts += 1
    if challenge.attempts < MAX_ATTEMPTS:
        challenge.save(update_fields=["attempts"])
        left = MAX_ATTEMPTS - challenge.attempts
        return gettext("Código incorrecto. Te quedan %(left)s intentos.") % {"left": left}
    challenge.status = OtpChallenge.Status.BLOCKED
    challenge.save(update_fields=["attempts", "status"])
    notification_queue(
        channel=challenge.channel,
        recipient=challenge.destination,
        user=user,
        subject=gettext("Alerta de seguridad"),
        body=gettext(
            "Se ingresaron %(n)s códigos incorrectos para %(what)s; el código fue anulado. Si no "
            "fuiste tú, comunícate con la cooperativa."
        )
        % {"n": MAX_ATTEMPTS, "what": challenge.description},
    )
    return gettext("Demasiados intentos fallidos: el código fue anulado.")


def _locked(challenge_id: int, user) -> OtpChallenge:
    # Locked so two submissions of one code cannot both pass, nor two wrong ones both count once.
    challenge = OtpChallenge.objects.select_for_update().filter(pk=challenge_id, user=user).first()
    if challenge is None:
        raise OtpError(gettext("El código no es válido. Solicita uno nuevo."))
    if challenge.status != OtpChallenge.Status.PENDING:
        raise OtpError(gettext("Este código ya no es válido. Solicita uno nuevo."))
    return challenge
