"""Credentials and the texts a user accepts: usernames, temporary credentials, the first
sign-in's choices, consents, security image and questions, recovery and unlock."""

from __future__ import annotations

import re
import secrets
import string
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.refusal import Refusal

from .models import (
    AuditEvent,
    Consent,
    Enrolment,
    Member,
    PasswordHistory,
    SecurityAnswer,
    TermsDocument,
    User,
)
from .notifications import notification_queue
from .otp import message_deliverable, person_lock
from .passwords import SPECIALS
from .services import audit_record, client_ip

USERNAME_RE = re.compile(r"^[a-z0-9]{8,15}$")
USERNAME_RULES = (
    _("El usuario debe contener solo letras minúsculas y números, ej: usuario01"),
    _("El nombre de usuario debe de tener un mínimo de 8 caracteres y un máximo de 15 caracteres"),
)
SECURITY_QUESTIONS = {
    "mascota": _("¿Cuál fue el nombre de tu primera mascota?"),
    "escuela": _("¿Cómo se llamaba tu escuela primaria?"),
    "ciudad_padres": _("¿En qué ciudad se conocieron tus padres?"),
    "abuelo": _("¿Cuál es el nombre de tu abuelo paterno?"),
    "comida": _("¿Cuál es tu comida favorita?"),
    "amigo": _("¿Cómo se llama tu mejor amigo de la infancia?"),
    "libro": _("¿Cuál es tu libro favorito?"),
    "calle": _("¿En qué calle vivías a los diez años?"),
}
MIN_SECURITY_QUESTIONS = 3


def username_validate(username: str, *, user: User | None = None) -> str:
    """The normalized username, or ValidationError with the rule it breaks."""
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise ValidationError(
            gettext(
                "El usuario debe tener de 8 a 15 caracteres, solo letras minúsculas y números."
            ),
            code="username_rules",
        )
    taken = User.objects.filter(username__iexact=username)
    if user is not None and user.pk:
        taken = taken.exclude(pk=user.pk)
    if taken.exists():
        raise ValidationError(
            gettext("Ese nombre de usuario no está disponible. Elige otro."), code="username_taken"
        )
    return username


def normalize_answer(answer: str) -> str:
    return " ".join((answer or "").lower().split())


# --- Texts to accept -------------------------------------------------------------------------


def terms_current() -> list[TermsDocument]:
    latest = {}
    for document in TermsDocument.objects.order_by("kind", "-version"):
        latest.setdefault(document.kind, document)
    return [latest[kind] for kind in TermsDocument.Kind.values if kind in latest]


def terms_pending(*, member: Member | None) -> list[TermsDocument]:
    """The current texts this member has not accepted yet (a new version asks again)."""
    if member is None:
        return []
    current = terms_current()
    accepted = set(
        Consent.objects.filter(member=member, document__in=current).values_list(
            "document_id", flat=True
        )
    )
    return [document for document in current if document.pk not in accepted]


def consents_record(*, member: Member, user: User | None, document_ids, request) -> None:
    ua = request.META.get("HTTP_USER_AGENT", "")[:300]
    ip = client_ip(request)
    already = set(
        Consent.objects.filter(member=member, document_id__in=document_ids).values_list(
            "document_id", flat=True
        )
    )
    Consent.objects.bulk_create(
        Consent(member=member, user=user, document_id=pk, ip=ip, user_agent=ua)
        for pk in document_ids
        if pk not in already
    )


# --- Temporary credentials -------------------------------------------------------------------


def temporary_password() -> str:
    """12 characters meeting the composition rule, from a CSPRNG."""
    rng = secrets.SystemRandom()
    chars = [
        rng.choice(string.ascii_uppercase),
        rng.choice(string.ascii_lowercase),
        rng.choice(string.digits),
        rng.choice(SPECIALS),
    ]
    pool = string.ascii_letters + string.digits + SPECIALS
    chars += [rng.choice(pool) for _ in range(8)]
    rng.shuffle(chars)
    return "".join(chars)


def temporary_username() -> str:
    while True:
        candidate = "t" + "".join(secrets.choice(string.digits) for _ in range(9))
        if not User.objects.filter(username=candidate).exists():
            return candidate


def _email_of(user: User) -> str:
    member = user.customer
    return user.email or (member.email if member else "")


def temporary_credentials_send(*, user: User, actor=None, request=None) -> None:
    """New temporary username-and-password for a user who has never set up their own (or
    whose setup is being restarted), sent by e-mail; the first sign-in must replace them."""
    password = temporary_password()
    user.set_unusable_password()
    user.password = make_password(password)
    user.needs_setup = True
    user.must_change_password = False
    user.temporary_expires_at = timezone.now() + timedelta(
        hours=settings.TEMPORARY_CREDENTIALS_HOURS
    )
    user.save(
        update_fields=["password", "needs_setup", "must_change_password", "temporary_expires_at"]
    )
    notification_queue(
        channel="EMAIL",
        recipient=_email_of(user),
        user=user,
        subject=gettext("Tus credenciales temporales de Cooprogreso en Línea"),
        sensitive=True,
        body=gettext(
            "Usuario temporal: %(username)s\nContraseña temporal: %(password)s\n\nIngresa antes "
            "de %(hours)s horas; en tu primer ingreso elegirás tu propio usuario y contraseña."
        )
        % {
            "username": user.username,
            "password": password,
            "hours": settings.TEMPORARY_CREDENTIALS_HOURS,
        },
    )
    audit_record(
        actor=actor or user,
        action="credentials.temporary",
        target=user,
        ip=client_ip(request) if request else None,
    )


def user_for_member_create(*, member: Member, actor=None, request=None) -> User:
    user = User.objects.create(
        username=temporary_username(),
        customer=member,
        first_name=member.first_names[:150],
        last_name=member.last_names[:150],
        email=member.email,
        needs_setup=True,
    )
    temporary_credentials_send(user=user, actor=actor, request=request)
    return user


# --- Enrolment -------------------------------------------------------------------------------


def enrolment_member(*, identification: str) -> Member | None:
    """The person member who may self-enrol with this identification: one without a user."""
    # One query whether or not the member is enrolled: the time does not tell which.
    return (
        Member.objects.filter(identification=identification, kind=Member.Kind.PERSON)
        .annotate(enrolled=Exists(User.objects.filter(customer=OuterRef("pk"))))
        .first()
    )


def enrolment_complete(*, member: Member, document_ids, request) -> Enrolment:
    """After the member proved the code: record the consents and either send the credentials
    or leave the request for staff approval."""
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=member.pk).first()
        consents_record(member=member, user=None, document_ids=document_ids, request=request)
        if member.users.exists():
            raise EnrolmentError(gettext("Ya tienes un usuario de banca en línea."))
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(member=member, ip=client_ip(request))
        except IntegrityError as exc:
            raise EnrolmentError(
                gettext("Tu solicitud de afiliación ya está registrada y en revisión.")
            ) from exc
        audit_record(
            actor=None, action="enrolment.request", target=enrolment, ip=client_ip(request)
        )
        if not settings.ENROLMENT_REQUIRES_APPROVAL:
            enrolment = enrolment_approve(enrolment=enrolment, actor=None, request=request)
    return enrolment


class EnrolmentError(Refusal):
    pass


def enrolment_approve(*, enrolment: Enrolment, actor, request=None) -> Enrolment:
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.status != Enrolment.Status.PENDING:
            return enrolment
        if enrolment.member.users.exists():
            raise EnrolmentError(gettext("El socio ya tiene un usuario."))
        user = user_for_member_create(member=enrolment.member, actor=actor, request=request)
        enrolment.status = Enrolment.Status.APPROVED
        enrolment.user = user
        enrolment.decided_by = actor if getattr(actor, "pk", None) else None
        enrolment.decided_at = timezone.now()
        enrolment.save(update_fields=["status", "user", "decided_by", "decided_at"])
        audit_record(actor=actor, action="enrolment.approve", target=enrolment)
    return enrolment


def enrolment_reject(*, enrolment: Enrolment, actor, reason: str) -> Enrolment:
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.status != Enrolment.Status.PENDING:
            return enrolment
        enrolment.status = Enrolment.Status.REJECTED
        enrolment.decided_by = actor
        enrolment.decided_at = timezone.now()
        enrolment.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(actor=actor, action="enrolment.reject", target=enrolment, reason=reason)
    return enrolment


# --- First sign-in and forced changes -------------------------------------------------------


def credentials_setup_apply(*, user: User, choices: dict, request) -> User:
    """Apply what the person chose in the sign-in steps, after the code approved exactly these
    choices (``choices`` holds no raw password, only its hash)."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = {"username": user.username}
        if choices.get("terms"):
            consents_record(
                member=user.customer, user=user, document_ids=choices["terms"], request=request
            )
        if choices.get("username"):
            user.username = username_validate(choices["username"], user=user)
        if choices.get("password"):
            user.password = choices["password"]
            PasswordHistory.objects.create(user=user, password=user.password)
            user.needs_setup = False
            user.must_change_password = False
            user.temporary_expires_at = None
            user.session_epoch = F("session_epoch") + 1
        if choices.get("image"):
            user.security_image = choices["image"]
        if choices.get("answers"):
            SecurityAnswer.objects.filter(user=user).delete()
            SecurityAnswer.objects.bulk_create(
                SecurityAnswer(user=user, question=question, answer=answer)
                for question, answer in choices["answers"]
            )
        user.save()
        user.refresh_from_db()
        audit_record(
            actor=user,
            action="credentials.setup",
            target=user,
            before=before,
            after={"username": user.username, "changed": sorted(k for k in choices if choices[k])},
            ip=client_ip(request),
        )
    return user


def security_answers_hash(pairs) -> list[list[str]]:
    return [[question, make_password(normalize_answer(answer))] for question, answer in pairs]


def security_answer_check(*, user: User, question: str, answer: str) -> bool:
    stored = SecurityAnswer.objects.filter(user=user, question=question).first()
    return stored is not None and check_password(normalize_answer(answer), stored.answer)


# --- Recovery ---------------------------------------------------------------------------------


def recovery_user(*, identification: str, username: str | None = None) -> User | None:
    """The member's own login for this identification (and username, when given)."""
    users = User.objects.select_related("customer").filter(
        customer__identification=(identification or "").strip(), is_active=True
    )
    if username is not None:
        users = users.filter(username__iexact=(username or "").strip())
    found = list(users[:2])
    return found[0] if len(found) == 1 else None


def username_reminder_send(*, user: User, request) -> None:
    notification_queue(
        channel="EMAIL",
        recipient=_email_of(user),
        user=user,
        subject=gettext("Tu usuario de Cooprogreso en Línea"),
        sensitive=True,
        body=gettext("Tu usuario de banca en línea es: %(username)s") % {"username": user.username},
    )
    audit_record(
        actor=user, action="credentials.username_reminder", target=user, ip=client_ip(request)
    )


def password_reset_send(*, user: User, request) -> None:
    """A temporary password by e-mail; the next sign-in must replace it. Also unlocks."""
    password = temporary_password()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.password = make_password(password)
        user.must_change_password = True
        user.temporary_expires_at = timezone.now() + timedelta(
            hours=settings.TEMPORARY_CREDENTIALS_HOURS
        )
        user.session_epoch = F("session_epoch") + 1
        user.save(
            update_fields=[
                "password",
                "must_change_password",
                "temporary_expires_at",
                "session_epoch",
            ]
        )
        notification_queue(
            channel="EMAIL",
            recipient=_email_of(user),
            user=user,
            subject=gettext("Tu contraseña temporal de Cooprogreso en Línea"),
            sensitive=True,
            body=gettext(
                "Tu contraseña temporal es: %(password)s\n\nAl ingresar deberás cambiarla. Si no "
                "la solicitaste, comunícate con la cooperativa al %(phone)s."
            )
            % {"password": password, "phone": settings.COOPERATIVE["phone"]},
        )
        audit_record(
            actor=user, action="credentials.password_reset", target=user, ip=client_ip(request)
        )
    axes_reset(username=user.username)


def user_is_locked(*, user: User) -> bool:
    from axes.models import AccessAttempt

    # As django-axes counts for the "username" parameter: failures summed over all addresses.
    failures = AccessAttempt.objects.filter(username=user.username).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return (failures or 0) >= settings.AXES_FAILURE_LIMIT


def user_unlock(*, user: User, actor, request=None) -> bool:
    """Clears the wrong-password count; returns whether the user was locked."""
    locked = user_is_locked(user=user)
    axes_reset(username=user.username)
    if locked:
        audit_record(
            actor=actor,
            action="credentials.unlock",
            target=user,
            ip=client_ip(request) if request else None,
        )
    return locked


IMAGE_MISSES_ALERT = 3


def image_miss_record(*, user: User | None, budget: str = "", ip=None) -> None:
    """A wrong security image in "Olvidé mi contraseña" (``user`` None: the data matched
    nobody, recorded alike so the step costs the same). The flow goes on as if nothing happened
    (a decoy code step); after a few misses the member is told someone is trying, within the
    recovery budget of messages that reach them."""
    from django.core.cache import cache

    with transaction.atomic():
        person_lock(user=user)
        key = f"identity:image-miss:{user.pk if user else 0}"
        cache.add(key, 0, timeout=24 * 3600)
        misses = cache.incr(key)
        AuditEvent.objects.create(
            action="credentials.image_miss",
            target_type="identity.user",
            target_id=str(user.pk) if user else "",
            ip=ip,
        )
        email = (_email_of(user) if user else "").lower()
        if misses == IMAGE_MISSES_ALERT and message_deliverable(email, budget):
            notification_queue(
                channel="EMAIL",
                recipient=email,
                user=user,
                budget=budget,
                subject=gettext("Alerta de seguridad"),
                body=gettext(
                    "Alguien intentó recuperar tu contraseña y no eligió tu imagen de seguridad. "
                    "Si no fuiste tú, comunícate con la cooperativa al %(phone)s."
                )
                % {"phone": settings.COOPERATIVE["phone"]},
            )
