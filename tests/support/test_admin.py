import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from support.admin import ComplaintAdmin
from support.models import Complaint, ComplaintProduct
from support.services import complaint_submit

from .files import tiny_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint(member_user):
    return complaint_submit(
        user=member_user,
        token="t" * 32,
        product=ComplaintProduct.ONLINE_BANKING,
        names="ANA PÉREZ",
        identification="1714307103",
        phone="0991234567",
        description="No recibo el código.",
        data_consent=True,
        attachment=SimpleUploadedFile("evidencia.png", tiny_png(), content_type="image/png"),
    )


def download_url(complaint) -> str:
    return f"/backoffice/support/complaint/{complaint.pk}/adjunto/"


def test_members_cannot_download_attachments(client, member_user, complaint):
    client.force_login(member_user)
    response = client.get(download_url(complaint))
    assert response.status_code == 302 and "/backoffice/login/" in response["Location"]
    assert tiny_png() not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_the_view_itself_refuses_non_staff(member_user, complaint):
    from django.contrib import admin

    request = RequestFactory().get(download_url(complaint))
    request.user = member_user
    with pytest.raises(PermissionDenied):
        ComplaintAdmin(Complaint, admin.site).attachment_view(request, complaint.pk)


def test_staff_download_the_attachment_as_a_file(admin_client, complaint):
    response = admin_client.get(download_url(complaint))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == tiny_png()
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{complaint.tracking_number}.png"'
    )


def test_the_back_office_lists_searches_and_shows_complaints(admin_client, complaint):
    listing = admin_client.get(
        "/backoffice/support/complaint/", {"q": complaint.tracking_number, "status": "RECIBIDO"}
    )
    assert complaint.tracking_number in listing.content.decode()
    page = admin_client.get(f"/backoffice/support/complaint/{complaint.pk}/change/")
    html = page.content.decode()
    assert "No recibo el código." in html and download_url(complaint) in html
    assert 'name="description"' not in html  # what the member filed is read-only


def test_staff_move_only_the_status(admin_client, complaint):
    admin_client.post(
        f"/backoffice/support/complaint/{complaint.pk}/change/",
        {"status": Complaint.Status.IN_PROGRESS, "description": "cambiado"},
    )
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.IN_PROGRESS
    assert complaint.description == "No recibo el código."
