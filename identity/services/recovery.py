"""Recovery before sign-in: "Olvidé mi usuario" and "Olvidé mi contraseña" (what they send, and
the alert when someone keeps missing the security image). Their request budgets are
``recovery_limits``; unlocking is ``lockout``."""

from __future__ import annotations

from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from ..models import AuditEvent, User
from .audit import audit_record, client_ip
from .credentials import email_of, temporary_password
from .notifications import notification_queue
from .otp import message_deliverable, person_lock


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
        recipient=email_of(user),
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
            recipient=email_of(user),
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


IMAGE_MISSES_ALERT = 3
IMAGE_MISSES_WINDOW = timedelta(hours=24)


def image_miss_record(*, user: User | None, budget: str = "", ip=None) -> None:
    """A wrong security image in "Olvidé mi contraseña" (``user`` None: the data matched
    nobody, recorded alike so the step costs the same). The flow goes on as if nothing happened
    (a decoy code step); after a few misses the member is told someone is trying, within the
    recovery budget of messages that reach them. The misses are counted from the audit
    records themselves (under the person's lock), not in the cache: no Redis outage can lift
    or reset the count."""
    target = str(user.pk) if user else ""
    with transaction.atomic():
        person_lock(user=user)
        AuditEvent.objects.create(
            action="credentials.image_miss", target_type="identity.user", target_id=target, ip=ip
        )
        misses = AuditEvent.objects.filter(
            action="credentials.image_miss",
            target_type="identity.user",
            target_id=target,
            at__gte=timezone.now() - IMAGE_MISSES_WINDOW,
        ).count()
        email = (email_of(user) if user else "").lower()
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
