"""A user's credentials: usernames, temporary credentials, the first sign-in's choices, the
security image and questions."""

from __future__ import annotations

import re
import secrets
import string
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import Member, PasswordHistory, SecurityAnswer, User
from .audit import audit_record, client_ip
from .notifications import notification_queue
from .passwords import SPECIALS
from .terms import consents_record

USERNAME_RE = re.compile(r"^[a-z0-9]{8,15}$")
USERNAME_RULES = (
    _("El usuario debe contener solo letras minúsculas y números, ej: usuario01"),
    _("El nombre de usuario debe tener un mínimo de 8 caracteres y un máximo de 15 caracteres"),
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


def email_of(user: User) -> str:
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
        recipient=email_of(user),
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
