"""Celery tasks of service payments: thin, idempotent, ids only. Beat wakes the sweeps
(schedules in the database, migration 0002); the rows, not the messages, say what is due."""

from celery import shared_task

from .services import bills, reconciliation


@shared_task(acks_late=True, ignore_result=True)
def payment_send(payment_id: int) -> None:
    """Send a PENDIENTE payment registered inside another transaction (a company's order):
    a no-op once it is resolved; the biller answers a repeated key as the first time."""
    bills.payment_send(payment_id=payment_id)


@shared_task(acks_late=True, ignore_result=True)
def payment_status_check(payment_id: int) -> None:
    """Only "look now" after a payment's answer was unknown: a no-op once it is resolved."""
    bills.payment_status_check(payment_id=payment_id)


@shared_task(acks_late=True, ignore_result=True)
def payments_status_sweep() -> int:
    """Every minute: ask the billers about the unknown payments that are due (backoff)."""
    return bills.payments_status_sweep()


@shared_task(acks_late=True, ignore_result=True)
def payments_reconciliation_daily() -> int:
    """Every night: yesterday's reconciliation of each biller."""
    return len(reconciliation.reconciliation_daily())


#: Celery workers a beat pass of scheduled payments is spread over: the task asks the others
#: to claim beside it (``SKIP LOCKED``: none takes a schedule another holds).
SCHEDULE_WORKERS = 2


@shared_task(acks_late=True, ignore_result=True)
def schedules_run_due(helpers: int = SCHEDULE_WORKERS - 1) -> int:
    """Every 15 minutes (migration 0003): the scheduled payments that are due look for their
    bill and pay it up to their maximum; a repeated or concurrent run does each day once."""
    from .services.schedules_run import schedules_run_due as run_due

    for _ in range(helpers):
        schedules_run_due.delay(helpers=0)
    return sum(run_due().values())


@shared_task(acks_late=True, ignore_result=True)
def payments_settle() -> int:
    """Every minute (migration 0004): confirmed payments in transit → biller settlement."""
    return bills.payments_settle()
