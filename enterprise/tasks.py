"""Celery tasks of the approval engine: beat wakes them (schedule in the database, migration
0003); the orders' rows say what is due."""

from celery import shared_task

from .services import approvals


@shared_task(acks_late=True, ignore_result=True)
def orders_expire() -> int:
    """Orders nobody signed in time expire and give their held funds back."""
    return approvals.orders_expire_due()
