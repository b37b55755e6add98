from celery import shared_task

from .notifications import notification_deliver, notifications_relay


@shared_task(acks_late=True, ignore_result=True)
def notification_send(notification_id: int) -> None:
    notification_deliver(notification_id=notification_id)


@shared_task(acks_late=True, ignore_result=True)
def notifications_flush() -> int:
    """Beat wakes this every minute to deliver rows a lost message left pending."""
    return notifications_relay()
