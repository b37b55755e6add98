"""Downloads whose message was lost, or whose worker was killed: built by the sweep instead.

A download over ``EXPORT_SYNC_MAX_ROWS`` rows is an ``ExportJob`` row first; the request then
asks a worker to build it (``common.background.enqueue``). If the broker could not take that
message (Redis down or hung), the row is still PENDIENTE: beat's every-minute sweep builds
every job left waiting longer than ``WAITING``. ``export_job_execute`` claims the row
conditionally, so a message that arrives late as well builds it once.

A worker killed mid-build (SIGKILL, out of memory, Celery's hard time limit) leaves its job
PROCESANDO, and the message Celery gives back finds it claimed and does nothing. The sweep
gives such a job back to the queue and builds it again, once: on PostgreSQL as soon as the job's
work claim (``exports.CLAIM``, held by its builder, ended with its session) is free; anywhere,
once it was claimed longer ago than ``CELERY_TASK_TIME_LIMIT`` and ``MARGIN`` (the hard limit
kills any worker still on it then): the rule SQLite, where every claim is granted, and a
pooler that kept a dead worker's claim fall back on. A job that kills its worker every time
(one too big for its memory) fails after ``MAX_ATTEMPTS`` instead of taking a worker down
again and again.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext

from common.claims import work_claimed

from ..models import ExportJob
from .exports import CLAIM, export_job_execute

WAITING = timedelta(seconds=60)
BATCH = 20
# Clocks of the worker that claimed and of the sweep's host may differ a little.
MARGIN = timedelta(minutes=2)
MAX_ATTEMPTS = 2


def export_jobs_resume(*, now=None) -> int:
    """Builds the jobs a killed worker left PROCESANDO (given back now) and those PENDIENTE
    for longer than ``WAITING``; returns how many it built."""
    now = now or timezone.now()
    given_back = export_jobs_reclaim(now=now)
    waiting = list(
        ExportJob.objects.filter(status=ExportJob.Status.PENDING, created_at__lt=now - WAITING)
        .exclude(pk__in=given_back)
        .order_by("created_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    # A job given back has no message coming (its worker's is held until the visibility
    # timeout): built now, however recently it was asked for, even if a dead worker's claim
    # is still held (given back by the time rule).
    for job_id, despite_claim in given_back.items():
        export_job_execute(job_id=job_id, despite_claim=despite_claim)
    for job_id in waiting:
        export_job_execute(job_id=job_id)
    return len(given_back) + len(waiting)


def export_jobs_reclaim(*, now) -> dict[int, bool]:
    """PROCESANDO → PENDIENTE for jobs no live worker is building (or ERROR after
    ``MAX_ATTEMPTS``); returns those that went back to the queue: id → whether a session
    still held its claim (the time rule gave it back)."""
    dead_before = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) - MARGIN
    running = ExportJob.objects.filter(status=ExportJob.Status.RUNNING).order_by("claimed_at")
    if not _claims_tell_the_dead():
        running = running.filter(claimed_at__lt=dead_before)
    given_back = {}
    for job_id, claimed_at, attempts in running.values_list("pk", "claimed_at", "attempts")[:BATCH]:
        with work_claimed(CLAIM, job_id) as free:
            if not free and claimed_at >= dead_before:  # a live worker is building it
                continue
            # Conditional on the claim seen: two sweeps at once give a job back once.
            same_claim = ExportJob.objects.filter(
                pk=job_id, status=ExportJob.Status.RUNNING, claimed_at=claimed_at
            )
            if attempts >= MAX_ATTEMPTS:
                same_claim.update(
                    status=ExportJob.Status.FAILED,
                    error=gettext("La descarga no pudo generarse. Vuelve a solicitarla."),
                    finished_at=now,
                )
            elif same_claim.update(status=ExportJob.Status.PENDING, progress=0, total_rows=0):
                given_back[job_id] = not free
    return given_back


def _claims_tell_the_dead() -> bool:
    """Whether a free claim means its worker died (PostgreSQL's session locks); SQLite grants
    every claim, so there only the claim's age can say it."""
    return connection.vendor == "postgresql"
