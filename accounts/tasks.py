from celery import shared_task

from .services.export_sweep import export_jobs_resume
from .services.exports import export_job_execute
from .services.ledger import holds_expire_due


@shared_task(acks_late=True, ignore_result=True)
def export_job_run(job_id: int) -> None:
    export_job_execute(job_id=job_id)


@shared_task(acks_late=True, ignore_result=True)
def holds_expire() -> int:
    """Beat wakes this every minute; the rows, not the message, say what is due."""
    return holds_expire_due()


@shared_task(acks_late=True, ignore_result=True)
def exports_resume() -> int:
    """Beat wakes this every minute: downloads whose message never reached a worker."""
    return export_jobs_resume()
