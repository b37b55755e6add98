"""Celery tasks of bulk payments: ids only, idempotent, each calling one service."""

from celery import shared_task

from .services.execution import orders_unfinished, rows_pay
from .services.importer import batch_import, imports_stale_fail


@shared_task(acks_late=True, ignore_result=True)
def payroll_execute(order_id: int) -> dict | None:
    """Pays an approved bulk payment's rows; acks late and idempotent, so a worker killed
    midway is simply run again (``payroll_resume`` also finds executed orders with rows still
    waiting; a no-op while another live worker pays the same order)."""
    return rows_pay(order_id=order_id)


@shared_task(acks_late=True, ignore_result=True)
def payroll_resume() -> int:
    """Beat, every minute, and each worker as it connects: executed bulk payments whose rows
    still wait and that no live worker is paying (their worker died) are paid now. Returns
    how many orders this run paid."""
    resumed = 0
    for order_id in orders_unfinished():
        if rows_pay(order_id=order_id) is not None:
            resumed += 1
    return resumed


@shared_task(acks_late=True, ignore_result=True)
def payroll_import(batch_id: str) -> None:
    """Reads, checks and stores an uploaded sheet's rows (``importer.batch_import``): a no-op
    once the batch is no longer IMPORTANDO, so a redelivered message changes nothing."""
    batch_import(batch_id=batch_id)


@shared_task(acks_late=True, ignore_result=True)
def payroll_imports_stale() -> int:
    """Beat: imports left IMPORTANDO for half an hour end FALLIDO, so their page stops."""
    return imports_stale_fail()
