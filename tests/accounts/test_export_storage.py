"""A background export goes through the exports storage: the worker saves it there and the
download reads it back, so a host that did not build the file serves it. An in-memory storage
stands in for the bucket: nothing may reach the local disk."""

import pytest
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone

from accounts.models import ExportJob
from tests.factories import AccountFactory, UserFactory, deposit

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def bucket(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    settings.EXPORT_SYNC_MAX_ROWS = 0  # every download becomes a background job
    return storages["exports"]


@pytest.fixture
def account(client):
    user = UserFactory()
    account = AccountFactory(owner=user.customer)
    deposit(account, "250.00", memo="Depósito inicial")
    client.force_login(user)
    return account


def _export(client, django_capture_on_commit_callbacks, url, params):
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs the job
        response = client.get(url, params)
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE, job.error
    return job


def test_a_statement_is_stored_and_downloaded_through_the_storage(
    client, account, bucket, settings, django_capture_on_commit_callbacks
):
    month = timezone.localdate().replace(day=1)
    job = _export(
        client,
        django_capture_on_commit_callbacks,
        reverse("accounts:statement"),
        {"cuenta": account.number, "mes": f"{month:%Y-%m}"},
    )
    assert job.file_name.startswith(f"{ExportJob.Kind.STATEMENT_PDF.value}_{account.number}_")
    with bucket.open(job.file_name, "rb") as stored:
        content = stored.read()
    assert content.startswith(b"%PDF-")

    response = client.get(reverse("accounts:export_file", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{job.file_name}"'
    assert response["Content-Length"] == str(len(content))
    assert not settings.EXPORTS_DIR.exists()  # the local disk was never written


def test_a_movements_sheet_keeps_its_type_and_name(
    client, account, bucket, django_capture_on_commit_callbacks
):
    job = _export(
        client,
        django_capture_on_commit_callbacks,
        reverse("accounts:movements_download", args=[account.number, "xlsx"]),
        {"periodo": "hoy"},
    )
    response = client.get(reverse("accounts:export_file", args=[job.pk]))
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f'attachment; filename="{job.file_name}"'
    assert b"".join(response.streaming_content).startswith(b"PK")


def test_a_finished_job_whose_file_is_gone_is_a_404(
    client, account, bucket, django_capture_on_commit_callbacks
):
    job = _export(
        client,
        django_capture_on_commit_callbacks,
        reverse("accounts:movements_download", args=[account.number, "xlsx"]),
        {"periodo": "hoy"},
    )
    bucket.delete(job.file_name)  # an expiry rule on the bucket removed it
    assert client.get(reverse("accounts:export_file", args=[job.pk])).status_code == 404


def test_an_export_written_to_the_local_folder_before_storages_is_still_served(
    client, account, settings
):
    # The local default maps to the same folder: a job finished before the change downloads.
    settings.EXPORTS_DIR.mkdir(parents=True)
    (settings.EXPORTS_DIR / "movements_pdf_0123456789ab.pdf").write_bytes(b"%PDF-1.7 viejo")
    job = ExportJob.objects.create(
        user=account.owner.users.get(),
        account=account,
        kind=ExportJob.Kind.MOVEMENTS_PDF,
        status=ExportJob.Status.DONE,
        file_name="movements_pdf_0123456789ab.pdf",
    )
    response = client.get(reverse("accounts:export_file", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 viejo"
