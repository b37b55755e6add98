"""A payroll sheet goes through the uploads storage: the web host saves it under a name of ours,
the import task (on any worker) reads it from there and deletes it. An in-memory storage stands
in for the bucket: nothing may reach the local disk."""

from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from payroll.models import PayrollBatch
from payroll.services.batches import batch_create
from payroll.services.importer import batch_import, imports_stale_fail
from tests.payroll.sheet_builders import internal_row, payee, xlsx_bytes

pytestmark = pytest.mark.django_db
Status = PayrollBatch.Status
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def bucket(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    return storages["uploads"]


def _upload(company, content: bytes, name="nomina.xlsx"):
    return batch_create(
        user=company.maker,
        name="PAGO ENERO",
        upload=SimpleUploadedFile(name, content, content_type=XLSX),
    )


def test_an_upload_is_stored_under_our_name_read_by_the_task_then_deleted(
    company, bucket, settings, django_capture_on_commit_callbacks
):
    content = xlsx_bytes([internal_row(payee(), amount="100.10")])
    with django_capture_on_commit_callbacks() as queued:
        batch = _upload(company, content, name="../../nómina final.xlsx")
    # Saved by the web host under the batch's id, never under the name the sender chose.
    assert batch.source_path == f"payroll/{batch.pk}.xlsx"
    assert batch.source_name == "nómina final.xlsx"
    with bucket.open(batch.source_path, "rb") as stored:
        assert stored.read() == content

    for callback in queued:  # the import task, on a worker
        callback()
    batch.refresh_from_db()
    assert batch.status == Status.VALID, batch.error
    assert batch.rows_count == 1 and str(batch.total) == "100.10"
    assert not bucket.exists(batch.source_path)
    assert not (settings.VAR_DIR / "uploads").exists()  # the local disk was never written


def test_an_upload_that_vanished_from_the_storage_fails_the_batch(company, bucket):
    batch = _upload(company, xlsx_bytes([internal_row(payee())]))
    bucket.delete(batch.source_path)
    batch_import(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == Status.UNREADABLE
    assert batch.error == "El archivo ya no está disponible: vuelve a cargarlo."


def test_an_abandoned_import_deletes_its_stored_file(company, bucket):
    batch = _upload(company, xlsx_bytes([internal_row(payee())]))
    PayrollBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert imports_stale_fail() == 1
    assert not bucket.exists(batch.source_path)
