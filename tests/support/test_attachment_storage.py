"""A complaint's attachment goes through the attachments storage: saved by the host that took
the complaint, downloaded by the back office from any host. An in-memory storage stands in for
the bucket: nothing may reach the local disk."""

import re

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from support.models import ComplaintProduct
from support.services import ComplaintError, complaint_submit

from .files import tiny_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def bucket(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    return storages["attachments"]


def _submit(user, token="t" * 32):
    return complaint_submit(
        user=user,
        token=token,
        product=ComplaintProduct.ONLINE_BANKING,
        names="ANA PÉREZ",
        identification="1714307103",
        phone="0991234567",
        description="No recibo el código.",
        data_consent=True,
        attachment=SimpleUploadedFile("../../evidencia.png", tiny_png(), content_type="image/png"),
    )


def _stored(bucket) -> list[str]:
    names = []
    for year in bucket.listdir("")[0]:
        for month in bucket.listdir(year)[0]:
            names += [f"{year}/{month}/{name}" for name in bucket.listdir(f"{year}/{month}")[1]]
    return names


def test_an_attachment_is_stored_and_downloaded_by_staff_through_the_storage(
    admin_client, member_user, bucket, settings
):
    complaint = _submit(member_user)
    assert re.fullmatch(r"\d{4}/\d{2}/[0-9a-f]{32}\.png", complaint.attachment_name)
    assert _stored(bucket) == [complaint.attachment_name]

    response = admin_client.get(f"/backoffice/support/complaint/{complaint.pk}/adjunto/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == tiny_png()
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{complaint.tracking_number}.png"'
    )
    assert not settings.SUPPORT_ATTACHMENTS_DIR.exists()  # the local disk was never written


def test_an_attachment_gone_from_the_storage_is_a_404(admin_client, member_user, bucket):
    complaint = _submit(member_user)
    bucket.delete(complaint.attachment_name)
    response = admin_client.get(f"/backoffice/support/complaint/{complaint.pk}/adjunto/")
    assert response.status_code == 404


def test_a_refused_complaint_leaves_no_attachment_in_the_storage(member_user, bucket, settings):
    settings.SUPPORT_COMPLAINTS_PER_HOUR = 0
    with pytest.raises(ComplaintError):
        _submit(member_user)
    assert _stored(bucket) == []
