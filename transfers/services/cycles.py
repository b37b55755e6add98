"""Settlement cycles that beat, Redis or the workers missed, and batches left half-sent.

Beat sends the cycle task at the cycle times (09:00, 11:00, 13:00, 15:00 on weekdays: its
crontab in the back office is the one source of those times). A tick that falls while beat,
Redis or every worker is down is simply not sent, and a worker killed between preparing a
batch and marking it sent leaves it PREPARADO; both used to wait hours for the next cycle.

``cycle_once`` runs the cycle of the latest cycle time that has passed today and not run yet,
and records that time (``SettlementCycle``): the scheduled task and the every-minute catch-up
both call it, so each time runs once — on time, or once when the portal is back (a missed
09:00 is caught up once, with everything due, not once per missed time).
``batches_stuck_send`` sends the batches left PREPARADO that no live worker is sending: a
worker sending a batch holds its row lock until it is marked sent, and a killed worker's lock
ends with its database connection, so the every-minute catch-up (and each worker as it
connects) sends a dead worker's batch at once and passes over a live one's (SKIP LOCKED).
A cycle run twice at once is harmless: ``batch_prepare`` claims transfers with SKIP LOCKED and
``batch_send`` locks its batch; the gateway answers a file name sent again with its first
reference.
"""

from __future__ import annotations

import logging
from datetime import datetime, time

from django.utils import timezone

from ..models import SettlementBatch, SettlementCycle
from . import calendar, settlement
from .settlement import CycleResult

logger = logging.getLogger(__name__)

CYCLE_TASK = "transfers.tasks.settlement_cycle"


def cycle_slot(now: datetime) -> datetime | None:
    """The latest cycle time at or before ``now`` on its day, from beat's schedule of the
    cycle task; None before the first one, on a day without cycles, or without a schedule."""
    from django_celery_beat.models import PeriodicTask

    task = (
        PeriodicTask.objects.filter(task=CYCLE_TASK, enabled=True, crontab__isnull=False)
        .select_related("crontab")
        .first()
    )
    if task is None:
        return None
    cron, zone = task.crontab.schedule, task.crontab.timezone
    local = now.astimezone(zone)
    day = local.date()
    if (
        day.isoweekday() % 7 not in cron.day_of_week  # celery counts from Sunday = 0
        or day.day not in cron.day_of_month
        or day.month not in cron.month_of_year
    ):
        return None
    times = [
        datetime.combine(day, time(hour, minute), zone)
        for hour in cron.hour
        for minute in cron.minute
    ]
    passed = [at for at in times if at <= local]
    return max(passed) if passed else None


def cycle_once(now: datetime | None = None) -> CycleResult | None:
    """The cycle of the latest passed cycle time, if it has not run; None if it has (or there
    is none). Recorded after it ran: a worker killed midway leaves it to the next call."""
    now = now or timezone.now()
    slot = cycle_slot(now)
    if slot is None or SettlementCycle.objects.filter(slot=slot).exists():
        return None
    result = settlement.cycle_run(now)
    SettlementCycle.objects.get_or_create(slot=slot)
    return result


def batches_stuck_send(now: datetime | None = None) -> list[int]:
    """Sends, on a business day, every batch PREPARADO that no live worker is sending (its
    worker died before marking it sent, or a cycle's send failed). Returns the ids this call
    sent; a batch another worker holds is not among them."""
    now = now or timezone.now()
    if not calendar.is_business_day(timezone.localtime(now).date()):
        return []
    stuck = (
        SettlementBatch.objects.filter(status=SettlementBatch.Status.PREPARED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    sent = []
    for batch_id in list(stuck):
        try:
            if settlement.batch_send(batch_id):
                sent.append(batch_id)
        except Exception:  # the gateway or the network: tried again next minute
            logger.exception("SPI: no se pudo enviar el lote detenido %s", batch_id)
    return sent
