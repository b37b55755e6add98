"""One service sends every e-mail and SMS: queue in the caller's transaction, deliver after
commit from a worker, relay whatever a lost message left behind."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from common.background import enqueue

from ..models import Notification
from .sms import sms_backend

MAX_ATTEMPTS = 5
# A row claimed longer ago than this belongs to a worker that died mid-delivery.
STUCK_AFTER = timedelta(minutes=10)


REDACTED = "(Contenido eliminado tras el envío: contenía un código o credenciales.)"


def notification_queue(
    *,
    channel: str,
    recipient: str,
    body: str,
    subject: str = "",
    user=None,
    sensitive: bool = False,
    budget: str = "",
    suppressed: bool = False,
) -> Notification:
    """``sensitive``: the body holds a code or credentials; it is erased once delivered (or
    given up on), and the back office never shows it. ``budget``: the recipient's message
    budget this counts against (recovery flows). ``suppressed``: written, never delivered."""
    notification = Notification.objects.create(
        channel=channel,
        recipient=recipient,
        subject=subject[:200],
        body=body,
        sensitive=sensitive,
        budget=budget,
        status=Notification.Status.SUPPRESSED if suppressed else Notification.Status.PENDING,
        user=user if getattr(user, "pk", None) else None,
    )
    # The message only says "look now"; the row is the truth, so a lost message costs a delay
    # (the relay picks the row up), never a lost notification.
    transaction.on_commit(lambda: enqueue("identity.tasks.notification_send", notification.pk))
    return notification


def notification_deliver(*, notification_id: int) -> bool:
    """Send one notification if nobody else is; returns whether this call sent it."""
    notification = _claim(notification_id)
    if notification is None:
        return False
    try:
        if notification.channel == Notification.Channel.EMAIL:
            send_mail(
                notification.subject,
                notification.body,
                settings.DEFAULT_FROM_EMAIL,
                [notification.recipient],
            )
        else:
            sms_backend().send(phone=notification.recipient, text=notification.body)
    except Exception as exc:  # any gateway failure: keep the row and try again later
        status = (
            Notification.Status.FAILED
            if notification.attempts >= MAX_ATTEMPTS
            else Notification.Status.PENDING
        )
        erase = {"body": REDACTED} if notification.sensitive and status == "FALLIDA" else {}
        Notification.objects.filter(pk=notification_id).update(
            status=status, last_error=str(exc)[:300], **erase
        )
        return False
    erase = {"body": REDACTED} if notification.sensitive else {}
    Notification.objects.filter(pk=notification_id).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), last_error="", **erase
    )
    return True


def _claim(notification_id: int) -> Notification | None:
    """PENDIENTE → ENVIANDO, and the row as it is then: one statement (``UPDATE … RETURNING``,
    read through the model's own converters), as every e-mail pays for it. None if it was not
    PENDIENTE (sent, or another worker has it)."""
    quote = connection.ops.quote_name
    fields = Notification._meta.concrete_fields
    claimed_at = Notification._meta.get_field("claimed_at")
    # Identifiers come from the model; values are parameters.
    sql = (
        f"UPDATE {quote(Notification._meta.db_table)} SET {quote('status')} = %s,"  # noqa: S608
        f" {quote('claimed_at')} = %s, {quote('attempts')} = {quote('attempts')} + 1"
        f" WHERE {quote('id')} = %s AND {quote('status')} = %s"
        f" RETURNING {', '.join(quote(f.column) for f in fields)}"
    )
    params = [
        Notification.Status.SENDING,
        claimed_at.get_db_prep_save(timezone.now(), connection),
        notification_id,
        Notification.Status.PENDING,
    ]
    return next(iter(Notification.objects.raw(sql, params)), None)


def notifications_relay(*, older_than: timedelta = timedelta(seconds=60)) -> int:
    """Deliver what the after-commit message did not (a process died, a message was lost)."""
    now = timezone.now()
    Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_at__lt=now - STUCK_AFTER
    ).update(status=Notification.Status.PENDING)
    due = Notification.objects.filter(
        Q(status=Notification.Status.PENDING) & Q(created_at__lt=now - older_than)
    ).values_list("pk", flat=True)[:200]
    return sum(1 for pk in list(due) if notification_deliver(notification_id=pk))
