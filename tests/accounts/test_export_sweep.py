"""A download whose message never reached a worker (broker down) is built by the sweep; one
whose worker was killed mid-build is given back and built once more, once no live worker can
still be on it (Celery's hard time limit)."""

from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import ExportJob
from accounts.services import exports
from accounts.services.export_sweep import MARGIN, export_jobs_resume
from common.claims import _keys
from common.storage import LocalStorage
from tests.stack import database_url


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
    assert lost.claimed_at is not None and lost.attempts == 1
    assert export_jobs_resume() == 0  # built once


class WorkerKilled(BaseException):
    """A SIGKILL as the code sees it: nothing after it runs, not even ``except Exception``."""


def _killed_while_saving(storage, name, content):
    Path(storage.path(name)).parent.mkdir(parents=True, exist_ok=True)
    Path(storage.path(name)).write_bytes(b"PK\x03\x04 half a workbook")
    raise WorkerKilled


def _killed_mid_build(job: ExportJob, monkeypatch) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(LocalStorage, "_save", _killed_while_saving)
        with pytest.raises(WorkerKilled):
            exports.export_job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.RUNNING and job.claimed_at is not None


def _hard_limit(settings) -> timedelta:
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def test_a_job_whose_worker_was_killed_is_built_again_once_into_one_file(
    member_user, monkeypatch, settings
):
    job = _waiting(member_user, minutes_ago=1)
    _killed_mid_build(job, monkeypatch)
    # The message Celery gives back after the kill finds the job claimed: it does nothing.
    exports.export_job_execute(job_id=job.pk)
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.RUNNING

    later = job.claimed_at + _hard_limit(settings) + MARGIN + timedelta(seconds=1)
    assert export_jobs_resume(now=later) == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.attempts == 2 and job.progress == 100
    # The same name on both attempts: the half-written file was replaced, not joined by a
    # second one (the download serves the one the row names).
    exported = list(Path(settings.EXPORTS_DIR).iterdir())
    assert [path.name for path in exported] == [job.file_name]
    assert load_workbook(exported[0]).active.max_row >= 1
    assert export_jobs_resume(now=later) == 0  # built once more, not again


@contextmanager
def _building_elsewhere(job: ExportJob):
    """On PostgreSQL, another session holding the job's work claim (a live worker building it,
    or a dead one's claim kept by a pooler) until the block ends; nothing on SQLite, which
    grants every claim."""
    if connection.vendor != "postgresql":
        yield
        return
    other = psycopg.connect(database_url(connection.settings_dict), autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s, %s)", _keys(exports.CLAIM, job.pk))
        yield
    finally:
        other.execute("SELECT pg_advisory_unlock_all()")  # at once, as the session's end would
        other.close()


def test_a_job_claimed_within_the_hard_time_limit_is_left_to_its_worker(
    member_user, monkeypatch, settings
):
    job = _waiting(member_user, minutes_ago=1)
    _killed_mid_build(job, monkeypatch)
    # At the limit the worker may just be being killed; the margin covers the hosts' clocks.
    with _building_elsewhere(job):
        for after in (
            timedelta(minutes=5),
            _hard_limit(settings),
            _hard_limit(settings) + MARGIN,
        ):
            assert export_jobs_resume(now=job.claimed_at + after) == 0
            refreshed = ExportJob.objects.get(pk=job.pk)
            assert refreshed.status == ExportJob.Status.RUNNING
            assert refreshed.claimed_at == job.claimed_at and refreshed.attempts == 1
        # Past the limit no worker is still on it, whatever its claim says.
        later = job.claimed_at + _hard_limit(settings) + MARGIN + timedelta(seconds=1)
        assert export_jobs_resume(now=later) == 1
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.DONE


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="necesita PostgreSQL")
def test_a_job_whose_builder_died_is_built_again_at_once_and_once(
    member_user, monkeypatch, settings
):
    job = _waiting(member_user, minutes_ago=0)  # asked for just now, its message long gone
    _killed_mid_build(job, monkeypatch)
    with _building_elsewhere(job):
        assert export_jobs_resume() == 0  # its worker lives: the sweep leaves it
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.RUNNING

    # Its worker's session ended, and its claim with it: given back and built now.
    assert export_jobs_resume() == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.attempts == 2, job.error
    exported = list(Path(settings.EXPORTS_DIR).iterdir())
    assert [path.name for path in exported] == [job.file_name]
    assert export_jobs_resume() == 0


def test_the_limit_is_the_settings_hard_time_limit(member_user, monkeypatch, settings):
    settings.CELERY_TASK_TIME_LIMIT = 60
    job = _waiting(member_user, minutes_ago=1)
    _killed_mid_build(job, monkeypatch)
    assert export_jobs_resume(now=job.claimed_at + timedelta(minutes=3, seconds=1)) == 1
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.DONE


def test_a_job_that_killed_its_worker_twice_fails_instead_of_a_third_time(
    member_user, monkeypatch, settings
):
    job = _waiting(member_user, minutes_ago=1)
    _killed_mid_build(job, monkeypatch)
    later = job.claimed_at + _hard_limit(settings) + MARGIN + timedelta(seconds=1)
    with monkeypatch.context() as patched:
        patched.setattr(LocalStorage, "_save", _killed_while_saving)
        with pytest.raises(WorkerKilled):
            export_jobs_resume(now=later)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.RUNNING and job.attempts == 2

    assert export_jobs_resume(now=job.claimed_at + _hard_limit(settings) + 2 * MARGIN) == 0
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job.attempts == 2
    assert job.error == "La descarga no pudo generarse. Vuelve a solicitarla."
    assert job.finished_at is not None


def test_finished_jobs_are_left_alone_however_old_their_claim(member_user, settings):
    long_ago = timezone.now() - _hard_limit(settings) - timedelta(hours=1)
    finished = {}
    for status in (ExportJob.Status.DONE, ExportJob.Status.FAILED):
        job = _waiting(member_user, minutes_ago=90)
        ExportJob.objects.filter(pk=job.pk).update(
            status=status, claimed_at=long_ago, attempts=1, progress=100, file_name="x.xlsx"
        )
        finished[job.pk] = ExportJob.objects.values().get(pk=job.pk)
    assert export_jobs_resume() == 0
    for pk, before in finished.items():
        assert ExportJob.objects.values().get(pk=pk) == before
