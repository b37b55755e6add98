"""A download whose message never reached a worker (broker down) is built by the sweep."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import ExportJob
from accounts.services.export_sweep import export_jobs_resume


def _waiting(member_user, minutes_ago: int) -> ExportJob:
    account = member_user.customer.accounts.first()
    job = ExportJob.objects.create(
        user=member_user,
        account=account,
        kind=ExportJob.Kind.MOVEMENTS_XLSX,
        params={
            "date_from": (timezone.localdate() - timedelta(days=30)).isoformat(),
            "date_to": timezone.localdate().isoformat(),
            "tipo": "",
        },
    )
    created = timezone.now() - timedelta(minutes=minutes_ago)
    ExportJob.objects.filter(pk=job.pk).update(created_at=created)
    return job


def test_the_sweep_builds_a_job_left_waiting_and_not_one_just_asked_for(member_user):
    lost = _waiting(member_user, minutes_ago=3)
    fresh = _waiting(member_user, minutes_ago=0)
    assert export_jobs_resume() == 1
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == ExportJob.Status.DONE and lost.file_name
    assert fresh.status == ExportJob.Status.PENDING
    assert export_jobs_resume() == 0  # built once
