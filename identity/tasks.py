from celery import shared_task

from .services.notifications import notification_deliver, notifications_relay
from .services.recovery_limits import recovery_requests_prune


@shared_task(acks_late=True, ignore_result=True)
def notification_send(notification_id: int) -> None:
    notification_deliver(notification_id=notification_id)


@shared_task(acks_late=True, ignore_result=True)
def notifications_flush() -> int:
    """Beat wakes this every minute to deliver rows a lost message left pending."""
    return notifications_relay()


@shared_task(ignore_result=True)
def recovery_requests_clear() -> int:
    """Beat runs this daily: the rows count only within the hour."""
    return recovery_requests_prune()
