"""A code confirmation sent again (double click, resubmit, a click sent before the first one's
answer) lands where the first one did and runs nothing twice; a wrong code, another session or
a late repeat is still refused."""

import re
import types
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from identity.models import OtpChallenge
from identity.services import otp
from tests.auth import code_sent, sign_in
from tests.transfers.test_views import member_data, savings
from transfers.models import Beneficiary, LimitCategory, MemberLimit, Transfer

pytestmark = pytest.mark.django_db

MEMBERS = "/beneficiarios/nuevo/cooprogreso/"
LIMITS = "/transferencias/cupos/"


@pytest.fixture
def signed_in(client, member_user):
    sign_in(client, member_user.username)
    return client


def other_tab(client) -> Client:
    """Another tab (or an earlier click) of the same browser: the same session cookie."""
    tab = Client()
    tab.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return tab


def ask_code(client, url, data) -> tuple[dict, str]:
    """The confirm button: returns the verify step's data (with the code sent) for ``data``."""
    dialog = client.post(url, data).content.decode()
    assert 'name="otp_digit"' in dialog, dialog[:600]
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    return {**data, "otp_step": "verify", "otp_challenge": challenge}, code_sent()


def payee_data(outsider) -> dict:
    return {"account_number": savings(outsider).number, "alias": "V", "key": str(uuid.uuid4())}


LIMITS_DATA = {
    "COOPROGRESO_daily": "200.00",
    "COOPROGRESO_weekly": "500.00",
    "COOPROGRESO_monthly": "1000.00",
    "INTERBANCARIA_daily": "100.00",
    "INTERBANCARIA_weekly": "300.00",
    "INTERBANCARIA_monthly": "600.00",
}


def test_a_click_sent_before_the_first_answer_gets_the_same_receipt(
    signed_in, member_user, outsider
):
    verify, code = ask_code(
        signed_in, "/transferencias/cooprogreso/confirmar/", member_data(member_user, outsider)
    )
    second_click = other_tab(signed_in)  # sent with the cookie the page had
    first = signed_in.post("/transferencias/cooprogreso/confirmar/", {**verify, "otp_code": code})
    again = second_click.post(
        "/transferencias/cooprogreso/confirmar/", {**verify, "otp_code": code}
    )
    receipt = f"/transferencias/{Transfer.objects.get().pk}/"
    assert first["Location"] == receipt and again["Location"] == receipt
    assert savings(member_user).balance == Decimal("480.00")
    assert "¡Transferencia exitosa!" in second_click.get(receipt).content.decode()


def test_a_payee_confirmed_twice_is_saved_once_and_both_land_on_the_list(
    signed_in, member_user, outsider
):
    verify, code = ask_code(signed_in, MEMBERS, payee_data(outsider))
    first = signed_in.post(MEMBERS, {**verify, "otp_code": code})
    # The second click's form no longer validates (the payee is saved): it is the same
    # confirmation all the same, also through htmx.
    again = signed_in.post(MEMBERS, {**verify, "otp_code": code}, HTTP_HX_REQUEST="true")
    assert first["Location"] == "/beneficiarios/?tab=cooprogreso"
    assert again.status_code == 204 and again["HX-Redirect"] == first["Location"]
    assert Beneficiary.objects.filter(owner=member_user.customer).count() == 1


def test_a_removal_confirmed_twice_lands_on_the_list_not_on_a_404(signed_in, member_user, outsider):
    verify, code = ask_code(signed_in, MEMBERS, payee_data(outsider))
    signed_in.post(MEMBERS, {**verify, "otp_code": code})
    payee = Beneficiary.objects.get()
    url = f"/beneficiarios/{payee.pk}/eliminar/"
    verify, code = ask_code(signed_in, url, {})
    first = signed_in.post(url, {**verify, "otp_code": code})
    again = signed_in.post(url, {**verify, "otp_code": code})
    assert first["Location"] == again["Location"] == "/beneficiarios/"
    payee.refresh_from_db()
    assert payee.deleted_at is not None


def test_a_used_code_is_refused_when_it_is_not_the_same_confirmation(signed_in, member_user):
    verify, code = ask_code(signed_in, LIMITS, LIMITS_DATA)
    assert signed_in.post(LIMITS, {**verify, "otp_code": code})["Location"] == LIMITS
    wrong = "000000" if code != "000000" else "111111"
    page = signed_in.post(LIMITS, {**verify, "otp_code": wrong}).content.decode()
    assert "Este código ya no es válido. Solicita uno nuevo." in page
    # The right code from another session of the same person is not a repeat either.
    elsewhere = Client()
    sign_in(elsewhere, member_user.username)
    page = elsewhere.post(LIMITS, {**verify, "otp_code": code}).content.decode()
    assert "Este código ya no es válido. Solicita uno nuevo." in page
    # Nor is the same click once the window has passed.
    OtpChallenge.objects.filter(pk=verify["otp_challenge"]).update(
        used_at=timezone.now() - otp.REPEAT_WINDOW - timedelta(seconds=1)
    )
    page = signed_in.post(LIMITS, {**verify, "otp_code": code}).content.decode()
    assert "Este código ya no es válido. Solicita uno nuevo." in page
    limit = MemberLimit.objects.get(member=member_user.customer, category=LimitCategory.MEMBER)
    assert limit.daily == Decimal("200")


def test_a_repeat_waits_for_the_first_confirmation_still_running(
    signed_in, member_user, outsider, monkeypatch
):
    verify, code = ask_code(signed_in, MEMBERS, payee_data(outsider))
    # The first confirmation has not recorded its result yet when the repeat arrives...
    monkeypatch.setattr("identity.views.otp.challenge_result_record", lambda **kwargs: None)
    first = signed_in.post(MEMBERS, {**verify, "otp_code": code})
    naps = []

    def first_one_ends(seconds):
        # ...and records it while the repeat waits.
        naps.append(seconds)
        OtpChallenge.objects.filter(pk=verify["otp_challenge"]).update(result_url=first["Location"])

    monkeypatch.setattr(
        otp, "time", types.SimpleNamespace(monotonic=otp.time.monotonic, sleep=first_one_ends)
    )
    again = signed_in.post(MEMBERS, {**verify, "otp_code": code})
    assert naps and again["Location"] == first["Location"]
    assert Beneficiary.objects.filter(owner=member_user.customer).count() == 1


def test_a_repeat_of_a_confirmation_slower_than_the_wait_is_told_it_is_processing(
    signed_in, member_user, outsider, monkeypatch
):
    verify, code = ask_code(signed_in, MEMBERS, payee_data(outsider))
    monkeypatch.setattr("identity.views.otp.challenge_result_record", lambda **kwargs: None)
    signed_in.post(MEMBERS, {**verify, "otp_code": code})
    monkeypatch.setattr(otp, "REPEAT_WAIT", 0.2)
    again = signed_in.post(MEMBERS, {**verify, "otp_code": code})
    assert again["Location"] == "/"
    page = signed_in.get("/").content.decode()
    assert "Ya recibimos tu confirmación y todavía la estamos procesando" in page
    assert Beneficiary.objects.filter(owner=member_user.customer).count() == 1
