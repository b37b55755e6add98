"""Downloads whose message was lost: built by the sweep instead.

A download over ``EXPORT_SYNC_MAX_ROWS`` rows is an ``ExportJob`` row first; the request then
asks a worker to build it (``common.background.enqueue``). If the broker could not take that
message (Redis down or hung), the row is still PENDIENTE: beat's every-minute sweep builds
every job left waiting longer than ``WAITING``. ``export_job_execute`` claims the row
conditionally, so a message that arrives late as well builds it once.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ..models import ExportJob
from .exports import export_job_execute

WAITING = timedelta(seconds=60)
BATCH = 20


def export_jobs_resume(*, now=None) -> int:
    """Builds the jobs PENDIENTE for longer than ``WAITING``; returns how many it built."""
    since = (now or timezone.now()) - WAITING
    waiting = list(
        ExportJob.objects.filter(status=ExportJob.Status.PENDING, created_at__lt=since)
        .order_by("created_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    for job_id in waiting:
        export_job_execute(job_id=job_id)
    return len(waiting)
