"""Large downloads are built by a worker; the page polls the job's progress."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from common.background import enqueue
from common.claims import work_claimed
from common.storage import EXPORTS, file_storage

from ..models import ExportJob
from ..selectors import export_job_get_for_user, movement_list
from . import documents

# The claim a worker holds while it builds a job (common.claims): on PostgreSQL, the sweep
# tells by it at once that a job left PROCESANDO lost its worker (export_sweep).
CLAIM = "accounts.export_job"


def export_job_create(*, user, account, kind: str, params: dict) -> ExportJob:
    job = ExportJob.objects.create(user=user, account=account, kind=kind, params=params)
    transaction.on_commit(lambda: enqueue("accounts.tasks.export_job_run", job.pk))
    return job


def export_job_execute(*, job_id: int, despite_claim: bool = False) -> None:
    """Build the job if it is PENDIENTE. The work claim first, held until the job is finished:
    a job PROCESANDO whose claim is free has no live worker building it. ``despite_claim``:
    build even if another session holds the claim, one the time rule says is a dead worker's
    (a pooler kept it; export_sweep)."""
    with work_claimed(CLAIM, job_id) as ours:
        if ours or despite_claim:
            _execute(job_id)


def _execute(job_id: int) -> None:
    # Claim the row: a duplicated message finds it no longer PENDING and does nothing. The
    # claim's time lets the sweep give back a job whose worker was killed where the work claim
    # cannot say so (export_sweep).
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING).update(
        status=ExportJob.Status.RUNNING,
        progress=5,
        claimed_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return
    job = ExportJob.objects.select_related("account__owner", "user").get(pk=job_id)
    # The worker runs after the request that queued the job, maybe long after: the account
    # must still be one the user may read (a company administrator can withdraw a grant in
    # between), by the same rule the job's pages apply.
    try:
        export_job_get_for_user(user=job.user, job_id=job.pk)
    except (Http404, PermissionDenied):
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            error=gettext("Ya no tienes acceso a la cuenta %(number)s.")
            % {"number": job.account.number},
            finished_at=timezone.now(),
        )
        return
    try:
        content, suffix = _build(job)
        name = file_storage(EXPORTS).save(_file_name(job, suffix), ContentFile(content))
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.DONE, progress=100, file_name=name, finished_at=timezone.now()
        )
    except Exception as exc:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, error=str(exc)[:300], finished_at=timezone.now()
        )
        raise


def _file_name(job: ExportJob, suffix: str) -> str:
    """One name per job, the same on every attempt: a build killed while saving left at most a
    part of this file, which the next attempt replaces instead of leaving a second file."""
    name = f"{job.kind}_{job.account.number}_{job.pk}.{suffix}"
    if job.attempts > 1:
        file_storage(EXPORTS).delete(name)
    return name


def _build(job: ExportJob) -> tuple[bytes, str]:
    account = job.account
    if job.kind == ExportJob.Kind.STATEMENT_PDF:
        # Streamed: a month of any length is read and rendered a part at a time.
        return documents.statement_pdf_streamed(
            account=account,
            month=date.fromisoformat(job.params["month"]),
            progress=_rows_progress(job, start=10, end=90),
        ), "pdf"
    first = date.fromisoformat(job.params["date_from"])
    last = date.fromisoformat(job.params["date_to"])
    entries = movement_list(
        account=account, date_from=first, date_to=last, direction=job.params["tipo"]
    )
    total = entries.count()
    ExportJob.objects.filter(pk=job.pk).update(total_rows=total, progress=20)
    if job.kind == ExportJob.Kind.MOVEMENTS_XLSX:
        return documents.movements_xlsx(
            account=account,
            entries=entries.iterator(chunk_size=2000),
            date_from=first,
            date_to=last,
        ), "xlsx"
    return documents.movements_pdf(
        account=account,
        entries=entries.iterator(chunk_size=2000),
        rows=total,
        date_from=first,
        date_to=last,
        progress=_rows_progress(job, start=20, end=90),
    ), "pdf"


def _rows_progress(job: ExportJob, *, start: int, end: int) -> documents.Progress:
    """The job's progress between ``start`` and ``end`` percent as its rows are rendered (the
    rest is the joining of the parts and the file)."""

    def progress(done: int, rows: int) -> None:
        percent = start + (end - start) * done // max(rows, 1)
        ExportJob.objects.filter(pk=job.pk).update(total_rows=rows, progress=percent)

    return progress
