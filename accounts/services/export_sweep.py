"""Downloads whose message was lost, or whose worker was killed: built by the sweep instead.

A download over ``EXPORT_SYNC_MAX_ROWS`` rows is an ``ExportJob`` row first; the request then
asks a worker to build it (``common.background.enqueue``). If the broker could not take that
message (Redis down or hung), the row is still PENDIENTE: beat's every-minute sweep builds
every job left waiting longer than ``WAITING``. ``export_job_execute`` claims the row
conditionally, so a message that arrives late as well builds it once.

A worker killed mid-build (SIGKILL, out of memory, Celery's hard time limit) leaves its job
PROCESANDO, and the message Celery gives back finds it claimed and does nothing. No live
worker is still on a job claimed longer ago than ``CELERY_TASK_TIME_LIMIT`` (the hard limit
kills it then), so past that and ``MARGIN`` the sweep gives the job back to the queue and
builds it again, once: a job that kills its worker every time (one too big for its memory)
fails after ``MAX_ATTEMPTS`` instead of taking a worker down every quarter of an hour.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from ..models import ExportJob
from .exports import export_job_execute

WAITING = timedelta(seconds=60)
BATCH = 20
# Clocks of the worker that claimed and of the sweep's host may differ a little.
MARGIN = timedelta(minutes=2)
MAX_ATTEMPTS = 2


def export_jobs_resume(*, now=None) -> int:
    """Builds the jobs PENDIENTE for longer than ``WAITING``, after giving back the ones a
    killed worker left PROCESANDO; returns how many it built."""
    now = now or timezone.now()
    export_jobs_reclaim(now=now)
    waiting = list(
        ExportJob.objects.filter(status=ExportJob.Status.PENDING, created_at__lt=now - WAITING)
        .order_by("created_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    for job_id in waiting:
        export_job_execute(job_id=job_id)
    return len(waiting)


def export_jobs_reclaim(*, now=None) -> int:
    """PROCESANDO → PENDIENTE for jobs claimed too long ago for their worker to be alive (or
    ERROR after ``MAX_ATTEMPTS``); returns how many went back to the queue."""
    now = now or timezone.now()
    dead_before = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) - MARGIN
    stale = ExportJob.objects.filter(status=ExportJob.Status.RUNNING, claimed_at__lt=dead_before)
    given_back = 0
    for job_id, claimed_at, attempts in stale.values_list("pk", "claimed_at", "attempts")[:BATCH]:
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
        else:
            given_back += same_claim.update(
                status=ExportJob.Status.PENDING, progress=0, total_rows=0
            )
    return given_back
