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
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import OtpChallenge, OtpFactor
from .notifications import notification_queue
from .passkeys import assertion_verify, challenge_for

CODE_TTL = timedelta(minutes=3)
# Factors the person holds (nothing is sent): an authenticator app, a passkey.
APP_FACTORS = {"TOTP", "PASSKEY"}
MAX_ATTEMPTS = 5
MAX_RESENDS = 3
MAX_STARTS_PER_HOUR = 10


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


def totp_device(user):
    if user is None:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def _destination(user, member, *, sent_only: bool = False) -> tuple[str, str]:
    """The user's chosen factor, falling back to whichever contact the member has."""
    member = member or getattr(user, "customer", None)
    preferred = getattr(user, "otp_factor", OtpFactor.EMAIL)
    if sent_only and preferred in APP_FACTORS:
        preferred = OtpFactor.EMAIL
    if preferred == OtpFactor.TOTP and totp_device(user) is not None:
        return OtpFactor.TOTP, ""
    if preferred == OtpFactor.PASSKEY and user.passkeys.exists():
        return OtpFactor.PASSKEY, ""
    email = (user.email if user else "") or (member.email if member else "")
    phone = member.phone if member else ""
    options = [(OtpFactor.EMAIL, email), (OtpFactor.SMS, phone)]
    if preferred == OtpFactor.SMS:
        options.reverse()
    for channel, destination in options:
        if destination:
            return channel, destination
    raise OtpError(
        gettext("No tienes un correo ni un teléfono registrados para recibir el código.")
    )


def masked_destination(challenge: OtpChallenge) -> str:
    if challenge.channel == OtpFactor.TOTP:
        return gettext("tu aplicación autenticadora")
    if challenge.channel == OtpFactor.PASSKEY:
        return gettext("tu llave de acceso")
    value = challenge.destination
    if challenge.channel == OtpFactor.EMAIL and "@" in value:
        name, domain = value.split("@", 1)
        return f"{name[:2]}{'*' * max(len(name) - 2, 3)}@{domain}"
    return f"{'*' * max(len(value) - 4, 4)}{value[-4:]}"


def _send(challenge: OtpChallenge, code: str) -> None:
    if challenge.channel in APP_FACTORS or not challenge.destination:
        return  # nothing to send: the app or passkey is in hand, or this is a decoy
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
        sensitive=True,
    )


def challenge_start(
    *,
    user=None,
    member=None,
    purpose: str,
    operation: dict,
    description: str,
    digest: str | None = None,
    sent_factor: bool = False,
) -> OtpChallenge:
    """Send a code for this operation; any earlier live code for the same purpose dies.
    ``member`` without ``user`` is for enrolment, before the member has a user.
    ``sent_factor`` skips the app and passkey factors (the person asked for a code instead)."""
    if user is None and member is None:
        raise ValueError("challenge_start needs a user or a member")
    channel, destination = _destination(user, member, sent_only=sent_factor)
    digest = digest or operation_digest(purpose=purpose, operation=operation)
    owner = {"user": user} if user is not None else {"member": member, "user": None}
    recent = OtpChallenge.objects.filter(
        **owner, created_at__gte=timezone.now() - timedelta(hours=1)
    ).count()
    if recent >= MAX_STARTS_PER_HOUR:
        # Each challenge allows a few guesses and costs a message: both need a ceiling.
        raise OtpError(
            gettext(
                "Solicitaste demasiados códigos. Espera una hora o comunícate con la cooperativa."
            )
        )
    code, salt, code_hash = _new_code()
    with transaction.atomic():
        OtpChallenge.objects.filter(
            **owner, purpose=purpose, status=OtpChallenge.Status.PENDING
        ).update(status=OtpChallenge.Status.CANCELLED)
        challenge = OtpChallenge.objects.create(
            user=user,
            member=member,
            purpose=purpose,
            digest=digest,
            webauthn_challenge=challenge_for(digest) if channel == OtpFactor.PASSKEY else "",
            description=description[:200],
            salt=salt,
            code_hash=code_hash,
            channel=channel,
            destination=destination,
            expires_at=timezone.now() + CODE_TTL,
        )
        _send(challenge, code)
    return challenge


def challenge_resend(*, challenge_id: int, user=None, member=None) -> OtpChallenge:
    """A fresh code and a fresh expiry; failed attempts still count (resending is no way around
    the attempt limit)."""
    with transaction.atomic():
        # An expired code may be replaced; a used, blocked or cancelled one may not.
        challenge = _locked(challenge_id, user, member, reopen_expired=True)
        if challenge.channel in APP_FACTORS:
            return challenge
        decoy = challenge.code_hash == "!"
        if challenge.resends >= MAX_RESENDS:
            raise OtpError(
                gettext("Alcanzaste el máximo de reenvíos. Inicia la operación de nuevo.")
            )
        code, challenge.salt, code_hash = _new_code()
        challenge.code_hash = "!" if decoy else code_hash
        challenge.resends += 1
        challenge.expires_at = timezone.now() + CODE_TTL
        challenge.status = OtpChallenge.Status.PENDING
        challenge.save(update_fields=["salt", "code_hash", "resends", "expires_at", "status"])
        _send(challenge, code)
    return challenge


def challenge_is_live(challenge: OtpChallenge) -> bool:
    """Whether the person can still finish with this challenge (typing or asking a new code)."""
    if challenge.status == OtpChallenge.Status.PENDING:
        return True
    return challenge.status == OtpChallenge.Status.EXPIRED and challenge.resends < MAX_RESENDS


def challenge_seconds_left(challenge: OtpChallenge) -> int:
    if challenge.status != OtpChallenge.Status.PENDING:
        return 0
    return max(0, int((challenge.expires_at - timezone.now()).total_seconds()))


def challenge_start_decoy(*, purpose: str, operation: dict, description: str) -> OtpChallenge:
    """A challenge for data that matched nobody (recovery, enrolment): it behaves exactly like
    a real one (countdown, attempts, resends, expiry) but its code is sent nowhere, so the
    screens never tell whether an identification or a username exists."""
    return OtpChallenge.objects.create(
        purpose=purpose,
        digest=operation_digest(purpose=purpose, operation=operation),
        description=description[:200],
        salt=secrets.token_hex(8),
        code_hash="!",  # no HMAC is ever "!": no code can pass
        channel=OtpFactor.EMAIL,
        destination="",
        expires_at=timezone.now() + CODE_TTL,
    )


def challenge_fallback(*, challenge_id: int, user) -> OtpChallenge:
    """The person has no access to their app or passkey now: the same operation, approved by a
    code sent to their e-mail or phone instead."""
    with transaction.atomic():
        old = _locked(challenge_id, user, reopen_expired=True)
        old.status = OtpChallenge.Status.CANCELLED
        old.save(update_fields=["status"])
    return challenge_start(
        user=user,
        purpose=old.purpose,
        operation={},
        description=old.description,
        digest=old.digest,
        sent_factor=True,
    )


def challenge_verify(
    *,
    challenge_id: int,
    user=None,
    member=None,
    purpose: str,
    operation: dict,
    code: str,
    request=None,
) -> OtpChallenge:
    """Approve the operation, or raise OtpError with what the person should be told. A failure's
    bookkeeping (attempts, expiry, blocking) is committed before the error is raised."""
    with transaction.atomic():
        challenge = _locked(challenge_id, user, member)
        error = _check(
            challenge, user=user, purpose=purpose, operation=operation, code=code, request=request
        )
        if error is None:
            challenge.status = OtpChallenge.Status.USED
            challenge.used_at = timezone.now()
            challenge.save(update_fields=["status", "used_at"])
    if error is not None:
        raise OtpError(error)
    return challenge


def _check(
    challenge: OtpChallenge, *, user, purpose: str, operation: dict, code: str, request=None
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
    if _code_matches(challenge, (code or "").strip(), request):
        return None
    challenge.attempts += 1
    if challenge.attempts < MAX_ATTEMPTS:
        challenge.save(update_fields=["attempts"])
        left = MAX_ATTEMPTS - challenge.attempts
        return gettext("Código incorrecto. Te quedan %(left)s intentos.") % {"left": left}
    challenge.status = OtpChallenge.Status.BLOCKED
    challenge.save(update_fields=["attempts", "status"])
    channel, recipient = challenge.channel, challenge.destination
    if channel in APP_FACTORS:
        channel, recipient = _alert_destination(challenge)
    if not recipient:
        return gettext("Demasiados intentos fallidos: el código fue anulado.")
    notification_queue(
        channel=channel,
        recipient=recipient,
        user=challenge.user,
        subject=gettext("Alerta de seguridad"),
        body=gettext(
            "Se ingresaron %(n)s códigos incorrectos para %(what)s; el código fue anulado. Si no "
            "fuiste tú, comunícate con la cooperativa."
        )
        % {"n": MAX_ATTEMPTS, "what": challenge.description},
    )
    return gettext("Demasiados intentos fallidos: el código fue anulado.")


def _code_matches(challenge: OtpChallenge, code: str, request) -> bool:
    if challenge.channel == OtpFactor.PASSKEY:
        return request is not None and assertion_verify(
            request=request,
            user=challenge.user,
            challenge=challenge.webauthn_challenge,
            credential_json=code,
        )
    if challenge.channel == OtpFactor.TOTP:
        device = totp_device(challenge.user)
        # django-otp locks the device row and remembers the last time step used, so one app
        # code cannot pass twice, even concurrently.
        return (
            device is not None
            and code.isdigit()
            and verify_token(challenge.user, device.persistent_id, code) is not None
        )
    return constant_time_compare(challenge.code_hash, _hash(challenge.salt, code))


def _alert_destination(challenge: OtpChallenge) -> tuple[str, str]:
    user = challenge.user
    member = getattr(user, "customer", None)
    email = (user.email if user else "") or (member.email if member else "")
    if email:
        return OtpFactor.EMAIL, email
    return OtpFactor.SMS, member.phone if member else ""


def _locked(challenge_id: int, user, member=None, *, reopen_expired=False) -> OtpChallenge:
    # Locked so two submissions of one code cannot both pass, nor two wrong ones both count once.
    # Enrolment codes belong to a member (no user yet); decoys to nobody.
    owner = {"user": user} if user is not None else {"user": None, "member": member}
    challenge = OtpChallenge.objects.select_for_update().filter(pk=challenge_id, **owner).first()
    if challenge is None:
        raise OtpError(gettext("El código no es válido. Solicita uno nuevo."))
    live = {OtpChallenge.Status.PENDING}
    if reopen_expired:
        live.add(OtpChallenge.Status.EXPIRED)
    if challenge.status not in live:
        raise OtpError(gettext("Este código ya no es válido. Solicita uno nuevo."))
    return challenge
