"""Nothing a signed-in person sees or downloads may stay in a browser's or a proxy's cache: the
next person at a shared computer (or the back button after signing out) would get it."""

import uuid

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils.cache import get_max_age, patch_cache_control

from accounts.models import Account, ExportJob, Product
from identity.middleware import NoStoreMiddleware
from tests.auth import sign_in
from tests.factories import PASSWORD, AccountFactory
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


def assert_not_stored(response):
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, response.get("Cache-Control")
    assert "public" not in directives and not get_max_age(response)


@pytest.fixture
def signed_in(member_user):
    client = Client()
    sign_in(client, member_user.username)
    return client


def _own_transfer(client, member_user) -> Transfer:
    savings = Account.objects.get(owner=member_user.customer, product=Product.SAVINGS)
    shares = AccountFactory(owner=member_user.customer, product=Product.SHARES)
    data = {
        "origin": savings.pk,
        "destination": shares.pk,
        "amount": "35.00",
        "memo": "Ahorro",
        "key": str(uuid.uuid4()),
    }
    client.post("/transferencias/mis-cuentas/", data)
    response = client.post("/transferencias/mis-cuentas/", {**data, "step": "confirm"})
    assert_not_stored(response)
    return Transfer.objects.get()


def test_signed_in_pages_and_receipts_cannot_be_cached(signed_in, member_user):
    transfer = _own_transfer(signed_in, member_user)
    receipt = reverse("accounts:receipt", args=[transfer.transaction.receipt_number])
    for url in ("/", "/transferencias/", f"/transferencias/{transfer.pk}/", receipt):
        response = signed_in.get(url)
        assert response.status_code == 200, url
        assert_not_stored(response)
    assert "Cookie" in signed_in.get("/")["Vary"]

    pdf = signed_in.get(receipt, {"formato": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    assert_not_stored(pdf)


def test_movement_downloads_cannot_be_cached(signed_in, member_user):
    account = Account.objects.get(owner=member_user.customer, product=Product.SAVINGS)
    for fmt in ("pdf", "xlsx"):
        url = reverse("accounts:movements_download", args=[account.number, fmt])
        response = signed_in.get(url, {"periodo": "hoy"})
        assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
        assert_not_stored(response)


def test_a_background_export_file_cannot_be_cached(
    signed_in, member_user, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 0
    account = Account.objects.get(owner=member_user.customer, product=Product.SAVINGS)
    url = reverse("accounts:movements_download", args=[account.number, "xlsx"])
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.get(url, {"periodo": "hoy"})
    job = ExportJob.objects.get()
    assert_not_stored(signed_in.get(reverse("accounts:export_status", args=[job.pk])))
    download = signed_in.get(reverse("accounts:export_file", args=[job.pk]))
    assert download.status_code == 200 and download.streaming
    assert_not_stored(download)


def test_a_sign_in_halfway_cannot_be_cached(client, member_user):
    response = client.post(
        reverse("identity:login"), {"username": member_user.username, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"].startswith("/ingresar/")
    assert_not_stored(response)
    assert_not_stored(client.get(response["Location"]))


def test_a_recovery_flow_cannot_be_cached(client):
    data = {"id_type": "CEDULA", "identification": "1714307103"}
    response = client.post(reverse("identity:forgot_username"), data)
    assert response.status_code == 302
    assert_not_stored(client.get(response["Location"]))


def test_public_pages_are_left_to_the_browser_until_someone_signs_in(client, member_user):
    faq = reverse("support:faq")
    response = client.get(faq)
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    # The sign-in page is never cached all the same: Django's LoginView says so itself.
    assert "no-store" in client.get(reverse("identity:login"))["Cache-Control"]

    sign_in(client, member_user.username)
    assert_not_stored(client.get(faq))


def test_a_view_cannot_make_a_signed_in_response_cacheable(rf, member_user):
    def generous_view(request):
        response = HttpResponse(b"%PDF-")
        patch_cache_control(response, public=True, max_age=3600)
        response["Expires"] = "Thu, 01 Jan 2099 00:00:00 GMT"
        return response

    request = rf.get("/comprobantes/1/")
    request.user, request.session = member_user, SessionStore()
    response = NoStoreMiddleware(generous_view)(request)
    assert_not_stored(response)
    assert "2099" not in response["Expires"]
