"""Celery tasks of settlement: thin, idempotent, ids only. Beat wakes them (schedules in the
database, migration 0003); the rows, not the messages, say what is due."""

from celery import shared_task

from .services import cycles, settlement


@shared_task(acks_late=True, ignore_result=True)
def settlement_cycle() -> int:
    """A settlement cycle (09:00, 11:00, 13:00, 15:00 on weekdays; the service itself skips
    holidays and closed days), once per cycle time (``cycles.cycle_once``: the catch-up may
    have run it), then whatever answers the central bank already has."""
    result = cycles.cycle_once()
    settlement.results_apply()
    return len(result.sent) if result else 0


@shared_task(acks_late=True, ignore_result=True)
def settlement_cycle_now() -> int:
    """Staff's "Ejecutar ciclo de compensación ahora": a cycle whatever the time."""
    result = settlement.cycle_run()
    settlement.results_apply()
    return len(result.sent)


@shared_task(acks_late=True, ignore_result=True)
def settlement_catch_up() -> int:
    """Beat, every minute: a cycle time that passed while beat, Redis or the workers were
    down runs once now, and batches a killed worker left PREPARADO are sent."""
    result = cycles.cycle_once()
    resent = cycles.batches_stuck_send()
    return (len(result.sent) if result else 0) + len(resent)


@shared_task(acks_late=True, ignore_result=True)
def settlement_results() -> int:
    summary = settlement.results_apply()
    return summary.credited + summary.returned


@shared_task(acks_late=True, ignore_result=True)
def transfer_send_immediate(transfer_id: int) -> None:
    """Only "look now" after an immediate transfer is ordered: a no-op if it is no longer
    PENDIENTE (the sweep or another worker sent it)."""
    settlement.immediate_send(transfer_id)


@shared_task(acks_late=True, ignore_result=True)
def immediate_sweep() -> int:
    return settlement.immediate_sweep()


@shared_task(acks_late=True, ignore_result=True)
def incoming_credits() -> int:
    summary = settlement.incoming_apply()
    return summary.credited + summary.returned
