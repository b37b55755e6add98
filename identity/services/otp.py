"""One-time codes bound to what they approve ("dynamic linking").

A challenge stores the operation kind and a digest of its data (amount, payee, account …). The
code reaches the member through the notification outbox, saying what it approves, and passes
only for that exact operation, once, before it expires, within a few attempts.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext, ngettext
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from common.refusal import Refusal

from ..models import Member, Notification, OtpChallenge, OtpFactor, User
from .notifications import notification_queue
from .passkeys import assertion_verify, challenge_for

CODE_TTL = timedelta(minutes=3)
# Factors the person holds (nothing is sent): an authenticator app, a passkey.
APP_FACTORS = {"TOTP", "PASSKEY"}
MAX_ATTEMPTS = 5
MAX_RESENDS = 3
SIGN_IN_PURPOSE = "sign_in"
# Confirmations that change what this session's sign-in is worth: its password, the username it
# signs in with, the factors and devices that approve its codes, the security image and answers
# that recover it. Like signing in, each gives the session a new key, so a key seen before the
# change (a fixated or leaked cookie) is worth nothing after it. Ordinary operations (transfers,
# payments, payroll, approvals, payees, limits, a company's users) keep the key: rotating on each
# one signed out the member's other tabs and sent a second click to the sign-in page.
REAUTHENTICATING_PURPOSES = frozenset(
    {
        "password_change",
        "username_change",
        "security_questions",
        "factor_default",
        "totp_add",
        "totp_remove",
        "passkey_add",
        "passkey_remove",
        "device_remove",
    }
)
# A confirmation sent again (double click, resubmit, several clicks at once) within this long of
# the first is the same confirmation: it gets the first one's result. One that arrives while the
# first is still running waits for that result at most REPEAT_WAIT.
REPEAT_WINDOW = timedelta(minutes=2)
REPEAT_WAIT = 5.0
REPEAT_POLL = 0.1


class OtpError(Refusal):
    pass


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


# Codes of the flows anyone can start before signing in. They never count against a login's
# budgets of sign-in and operation codes (so strangers cannot spend them): their own budgets
# are per client address and identification (recovery_limits.py) and per recipient.
RECOVERY_PURPOSES = frozenset({"forgot_username", "unlock", "forgot_password", "enrolment"})
# Recipient budgets: what strangers' requests may send one person an hour, and, apart, what
# requests from a browser that person registered may send.
BUDGET_RECOVERY = "recovery"
BUDGET_RECOVERY_DEVICE = "recovery-device"
# A login's two budgets of codes sent an hour (settings OTP_SIGN_IN_CODES_PER_HOUR and
# OTP_OPERATION_CODES_PER_HOUR): each code sent is a Notification row marked with one of them.
BUDGET_SIGN_IN = "sign-in"
BUDGET_OPERATION = "operation"
CODE_BUDGET_WINDOW = timedelta(hours=1)
NOTICE_EVERY = timedelta(hours=24)


@dataclass(frozen=True)
class Notice:
    """A message sent instead of a code (the decoy's owner is told someone tried)."""

    member_id: int
    recipient: str
    subject: str
    body: str


def message_deliverable(destination: str, budget: str, *, subject: str = "") -> bool:
    """Whether one more message may reach this recipient now within ``budget`` (and, with a
    ``subject``, whether that notice went out in the last day: once tells the member, more only
    annoy). Call it under a lock on the recipient's row. Decoys and over-budget requests run the
    same queries, so neither the time nor the statements tell them apart."""
    if not budget:
        return bool(destination)
    now = timezone.now()
    sent = Notification.objects.exclude(status=Notification.Status.SUPPRESSED).filter(
        recipient=destination
    )
    in_budget = sent.filter(budget=budget, created_at__gte=now - timedelta(hours=1)).count()
    repeated = sent.filter(subject=subject, created_at__gte=now - NOTICE_EVERY).exists()
    return (
        bool(destination)
        and in_budget < settings.RECOVERY_MAILS_PER_HOUR
        and not (subject and repeated)
    )


def _send(
    challenge: OtpChallenge, code: str, *, deliver: bool = True, notice: Notice | None = None
) -> None:
    if challenge.channel in APP_FACTORS:
        return  # nothing to send: the app or passkey is in hand
    if notice is not None:
        subject, body, recipient = notice.subject, notice.body, notice.recipient
    else:
        subject = gettext("Tu código de verificación")
        body = gettext("Código %(code)s para %(what)s. No lo compartas.") % {
            "code": code,
            "what": challenge.description,
        }
        recipient = challenge.destination
    if not deliver:
        if not challenge.budget:
            return
        # A decoy, or over the recipient's budget: the same row and wake-up as a real message,
        # never delivered, and holding no code.
        subject, body, recipient = subject, gettext("(No enviado.)"), ""
    budget = challenge.budget
    if not budget and notice is None and challenge.user_id is not None:
        budget = _budget_kind(challenge.purpose)  # a login's sign-in or operation codes
    notification_queue(
        channel=challenge.channel,
        recipient=recipient,
        body=body,
        subject=subject,
        user=challenge.user,
        sensitive=notice is None,
        budget=budget,
        suppressed=not deliver,
    )


def _budget_kind(purpose: str) -> str:
    if purpose in RECOVERY_PURPOSES:
        return ""
    return BUDGET_SIGN_IN if purpose == SIGN_IN_PURPOSE else BUDGET_OPERATION


@dataclass(frozen=True)
class CodeBudget:
    """A login's codes sent in the last hour for sign-in, or for operations."""

    kind: str
    used: int
    cap: int
    next_at: datetime | None  # when one more may be asked for, if the budget is spent

    @property
    def spent(self) -> bool:
        return self.used >= self.cap

    @property
    def message(self) -> str:
        if self.next_at is None:  # a cap of 0: codes of this kind are switched off
            return gettext("Por ahora no podemos enviarte códigos. Comunícate con la cooperativa.")
        values = {"n": self.used, "time": f"{timezone.localtime(self.next_at):%H:%M}"}
        if self.kind == BUDGET_SIGN_IN:
            return (
                ngettext(
                    "Ya pediste %(n)s código de ingreso en la última hora. "
                    "Podrás pedir otro a las %(time)s.",
                    "Ya pediste %(n)s códigos de ingreso en la última hora. "
                    "Podrás pedir otro a las %(time)s.",
                    self.used,
                )
                % values
            )
        return (
            ngettext(
                "Ya pediste %(n)s código para confirmar operaciones en la última hora. "
                "Podrás pedir otro a las %(time)s.",
                "Ya pediste %(n)s códigos para confirmar operaciones en la última hora. "
                "Podrás pedir otro a las %(time)s.",
                self.used,
            )
            % values
        )


def code_budget(*, user, purpose: str) -> CodeBudget | None:
    """The budget a code for ``purpose`` sent to ``user`` counts against; None for the flows
    before sign-in (their budgets are the recovery ones)."""
    kind = _budget_kind(purpose)
    if not kind or user is None or user.pk is None:
        return None
    cap = max(
        0,
        settings.OTP_SIGN_IN_CODES_PER_HOUR
        if kind == BUDGET_SIGN_IN
        else settings.OTP_OPERATION_CODES_PER_HOUR,
    )
    sent = list(
        Notification.objects.filter(
            user=user, budget=kind, created_at__gte=timezone.now() - CODE_BUDGET_WINDOW
        )
        .exclude(status=Notification.Status.SUPPRESSED)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    next_at = None
    if 0 < cap <= len(sent):
        # The moment enough of them leave the window, rounded up to the minute shown.
        at = sent[len(sent) - cap] + CODE_BUDGET_WINDOW
        next_at = at.replace(second=0, microsecond=0)
        if next_at < at:
            next_at += timedelta(minutes=1)
    return CodeBudget(kind=kind, used=len(sent), cap=cap, next_at=next_at)


def sends_code(user, *, sent_factor: bool = False) -> bool:
    """Whether a code for this user would be sent (e-mail, SMS), not shown by their app or
    approved with a passkey."""
    try:
        channel, _ = _destination(user, None, sent_only=sent_factor)
    except OtpError:
        return False  # no contact at all: the refusal that says so comes when asking
    return channel not in APP_FACTORS


def code_budget_message(*, user, purpose: str, sent_factor: bool = False) -> str:
    """What to tell the person before they ask for a code that would be sent, when its budget
    is spent (when it frees up again included); empty when a code may be asked for, or when
    none would be sent (an authenticator app or a passkey costs nothing and is not counted)."""
    if user is None or _budget_kind(purpose) == "":
        return ""
    if not sends_code(user, sent_factor=sent_factor):
        return ""
    budget = code_budget(user=user, purpose=purpose)
    return budget.message if budget is not None and budget.spent else ""


def _budget_check(user, purpose: str) -> None:
    """Call it under the person's lock (``person_lock``), before sending a code."""
    budget = code_budget(user=user, purpose=purpose)
    if budget is not None and budget.spent:
        raise OtpError(budget.message)


def person_lock(*, user=None, member=None) -> None:
    """Serialises what is decided per person: starting a challenge (two started at the same
    instant cannot both stay live) and counting the messages that reach them. The person is
    the Member row (the user's, or the one enrolling); staff without one lock their user row.
    With nobody, the same statement finds no row, so a decoy costs what a match does."""
    if user is not None and not user.customer_id:
        User.objects.select_for_update().filter(pk=user.pk).first()
        return
    pk = member.pk if member is not None else (user.customer_id if user is not None else 0)
    Member.objects.select_for_update().filter(pk=pk).first()


def _challenge_create(
    *,
    user,
    member,
    purpose: str,
    digest: str,
    description: str,
    channel: str,
    destination: str,
    budget: str = "",
    notice: Notice | None = None,
) -> OtpChallenge:
    code, salt, code_hash = _new_code()
    owner = {"user": user} if user is not None else {"member": member, "user": None}
    if budget and channel == OtpFactor.EMAIL:
        destination = destination.lower()  # one inbox, however the address was typed
    with transaction.atomic():
        if notice is not None:
            person_lock(member=Member(pk=notice.member_id))
        else:
            person_lock(user=user, member=member)
        if channel not in APP_FACTORS and notice is None:
            # Each code sent costs a message and allows a few guesses: a budget an hour.
            _budget_check(user, purpose)
        deliver = channel in APP_FACTORS or message_deliverable(
            notice.recipient.lower() if notice else destination,
            budget,
            subject=notice.subject if notice else "",
        )
        # The newest live code is the only one. One that was not sent (a decoy, or over the
        # budget) can pass nothing, so it cancels nothing; and a stranger's request never
        # cancels the code the person asked for from their own browser (another budget).
        superseded = OtpChallenge.objects.filter(
            **owner,
            purpose=purpose,
            budget=budget,
            status__in=[OtpChallenge.Status.PENDING, OtpChallenge.Status.EXPIRED],
        )
        if not (deliver and notice is None):
            superseded = superseded.filter(digest=digest, created_at__gt=timezone.now())
        superseded.update(status=OtpChallenge.Status.CANCELLED)
        challenge = OtpChallenge.objects.create(
            user=user,
            member=member,
            purpose=purpose,
            digest=digest,
            webauthn_challenge=challenge_for(digest) if channel == OtpFactor.PASSKEY else "",
            description=description[:200],
            salt=salt,
            # No HMAC is ever "!": a code that was not sent can never pass.
            code_hash=code_hash if deliver and notice is None else "!",
            channel=channel,
            destination=destination,
            budget=budget,
            expires_at=timezone.now() + CODE_TTL,
        )
        _send(challenge, code, deliver=deliver, notice=notice)
    return challenge


def challenge_start(
    *,
    user=None,
    member=None,
    purpose: str,
    operation: dict,
    description: str,
    digest: str | None = None,
    sent_factor: bool = False,
    budget: str = "",
) -> OtpChallenge:
    """Send a code for this operation; any earlier live code for the same purpose dies.
    ``member`` without ``user`` is for enrolment, before the member has a user.
    ``sent_factor`` skips the app and passkey factors (the person asked for a code instead).
    ``budget``: the recipient budget of a flow before sign-in (RECOVERY_PURPOSES); over it,
    the challenge behaves like a decoy."""
    if user is None and member is None:
        raise ValueError("challenge_start needs a user or a member")
    channel, destination = _destination(user, member, sent_only=sent_factor)
    digest = digest or operation_digest(purpose=purpose, operation=operation)
    return _challenge_create(
        user=user,
        member=member,
        purpose=purpose,
        digest=digest,
        description=description,
        channel=channel,
        destination=destination,
        budget=budget,
    )


def challenge_resend(*, challenge_id: int, user=None, member=None) -> OtpChallenge:
    """A fresh code and a fresh expiry; failed attempts still count (resending is no way around
    the attempt limit)."""
    with transaction.atomic():
        # The person first, then the challenge: the order starting a challenge takes them in.
        person_lock(user=user, member=member)
        # An expired code may be replaced; a used, blocked or cancelled one may not.
        challenge = _locked(challenge_id, user, member, reopen_expired=True)
        if challenge.channel in APP_FACTORS:
            return challenge
        decoy = challenge.code_hash == "!"
        if challenge.resends >= MAX_RESENDS:
            raise OtpError(
                gettext("Alcanzaste el máximo de reenvíos. Inicia la operación de nuevo.")
            )
        if not challenge.budget and not decoy:
            _budget_check(challenge.user, challenge.purpose)
        deliver = message_deliverable(challenge.destination, challenge.budget) and not decoy
        code, challenge.salt, code_hash = _new_code()
        challenge.code_hash = code_hash if deliver else "!"
        challenge.resends += 1
        challenge.expires_at = timezone.now() + CODE_TTL
        challenge.status = OtpChallenge.Status.PENDING
        challenge.save(update_fields=["salt", "code_hash", "resends", "expires_at", "status"])
        _send(challenge, code, deliver=deliver)
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


def challenge_start_decoy(
    *,
    purpose: str,
    operation: dict,
    description: str,
    budget: str = "",
    notice: Notice | None = None,
) -> OtpChallenge:
    """A challenge for data that matched nobody (recovery, enrolment): it behaves exactly like
    a real one (countdown, attempts, resends, expiry) and costs the request the same work, but
    its code is sent nowhere, so the screens never tell whether an identification or a username
    exists. ``notice``: tell somebody instead (within their budget), e.g. an enrolled member
    that someone tried to enrol with their identification."""
    return _challenge_create(
        user=None,
        member=None,
        purpose=purpose,
        digest=operation_digest(purpose=purpose, operation=operation),
        description=description,
        channel=OtpFactor.EMAIL,
        destination="",
        budget=budget,
        notice=notice,
    )


def challenge_fallback(*, challenge_id: int, user) -> OtpChallenge:
    """The person has no access to their app or passkey now: the same operation, approved by a
    code sent to their e-mail or phone instead."""
    with transaction.atomic():
        old = _locked(challenge_id, user, reopen_expired=True)
        # Refused before the app's challenge is given up, so the person can still use the app.
        spent = code_budget_message(user=user, purpose=old.purpose, sent_factor=True)
        if spent:
            raise OtpError(spent)
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
    session_key: str = "",
) -> OtpChallenge:
    """Approve the operation, or raise OtpError with what the person should be told. A failure's
    bookkeeping (attempts, expiry, blocking) is committed before the error is raised.
    ``session_key``: the signed-in session confirming it, which may send the same confirmation
    again (``challenge_repeated``)."""
    with transaction.atomic():
        person_lock(user=user, member=member)  # a failure may alert them, within their budget
        challenge = _locked(challenge_id, user, member)
        error = _check(
            challenge, user=user, purpose=purpose, operation=operation, code=code, request=request
        )
        if error is None:
            challenge.status = OtpChallenge.Status.USED
            challenge.used_at = timezone.now()
            challenge.repeat_digest = _repeat_digest(challenge, session_key, code)
            challenge.save(update_fields=["status", "used_at", "repeat_digest"])
    if error is not None:
        raise OtpError(error)
    return challenge


def _repeat_digest(challenge: OtpChallenge, session_key: str, code: str) -> str:
    """Who may repeat a confirmation: the session that sent it, with the code it sent (an app
    code or a passkey's signature cannot be checked a second time, so it is compared as sent)."""
    code = (code or "").strip()
    if not session_key or not code:
        return ""  # nobody: the flows before sign-in repeat nothing
    value = f"{challenge.salt}:{session_key}:{code}"
    return salted_hmac("identity.otp.repeat", value, algorithm="sha256").hexdigest()


def challenge_repeated(
    *, challenge_id, user, purpose: str, code: str, session_key: str
) -> OtpChallenge | None:
    """The challenge a refused confirmation names, when it repeats the confirmation that used it
    (double click, resubmit, clicks at once): the same person, session, purpose and code, within
    REPEAT_WINDOW. It executes nothing again; it only gets the first one's result. None
    otherwise: then the refusal stands (a wrong code, another session, a late repeat)."""
    try:
        pk = int(challenge_id or 0)
    except (TypeError, ValueError):
        return None
    challenge = OtpChallenge.objects.filter(
        pk=pk,
        user=user,
        purpose=purpose,
        status=OtpChallenge.Status.USED,
        used_at__gte=timezone.now() - REPEAT_WINDOW,
    ).first()
    if challenge is None or not challenge.repeat_digest:
        return None
    given = _repeat_digest(challenge, session_key, code)
    return challenge if constant_time_compare(challenge.repeat_digest, given) else None


def challenge_result_record(
    *, challenge: OtpChallenge, url: str, session_key: str, code: str
) -> None:
    """Where the confirmation with this challenge ended (the receipt, the order), for its
    repeats; ``session_key`` is the session's key now: one that confirmed a security change has
    a new key, and its repeats come with that one."""
    OtpChallenge.objects.filter(pk=challenge.pk, status=OtpChallenge.Status.USED).update(
        result_url=url[:500], repeat_digest=_repeat_digest(challenge, session_key, code)
    )


def challenge_result_wait(*, challenge_id: int) -> str:
    """The first confirmation's result; a repeat that arrives while the first is still running
    waits for it, at most REPEAT_WAIT. Empty when it is not there by then."""
    deadline = time.monotonic() + REPEAT_WAIT
    rows = OtpChallenge.objects.filter(pk=challenge_id).values_list("result_url", flat=True)
    while True:
        url = rows.first() or ""
        if url or time.monotonic() >= deadline:
            return url
        time.sleep(REPEAT_POLL)


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
        if _app_code_already_used(challenge, (code or "").strip()):
            return ngettext(
                "Ese código de la aplicación ya se usó: espera el siguiente e ingrésalo. "
                "Te queda %(left)s intento.",
                "Ese código de la aplicación ya se usó: espera el siguiente e ingrésalo. "
                "Te quedan %(left)s intentos.",
                left,
            ) % {"left": left}
        return ngettext(
            "Código incorrecto. Te queda %(left)s intento.",
            "Código incorrecto. Te quedan %(left)s intentos.",
            left,
        ) % {"left": left}
    challenge.status = OtpChallenge.Status.BLOCKED
    challenge.save(update_fields=["attempts", "status"])
    channel, recipient = challenge.channel, challenge.destination
    if channel in APP_FACTORS:
        channel, recipient = _alert_destination(challenge)
    if not recipient or not message_deliverable(recipient, challenge.budget):
        # Nobody to tell, or a stranger's flood already reached this person's budget.
        return gettext("Demasiados intentos fallidos: el código fue anulado.")
    notification_queue(
        channel=channel,
        recipient=recipient,
        user=challenge.user,
        budget=challenge.budget,
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


def _app_code_already_used(challenge: OtpChallenge, code: str) -> bool:
    """Whether a refused authenticator code is the one already accepted in its time step (typed
    again for a second operation): the person is told to wait for the next, not that it is
    wrong."""
    if challenge.channel != OtpFactor.TOTP or not code.isdigit():
        return False
    device = totp_device(challenge.user)
    if device is None or device.last_t < 0:
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = device.t0 + (device.last_t - device.drift) * device.step
    return totp.token() == int(code)


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
