"""Many clicks of one code confirmation at the same instant, from one browser (the load test's
20 clicks): every one lands on the first one's result, the money moves once, and the session
is still signed in. Only PostgreSQL runs them truly at once (SQLite serialises every writer)."""

import threading
import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client

from tests.auth import sign_in
from tests.transfers.test_confirm_repeat import ask_code, other_tab
from tests.transfers.test_views import member_data, savings
from transfers.models import Beneficiary, Transfer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="necesita PostgreSQL (DATABASE_URL)"
    ),
]

CLICKS = 12


def _click_together(browser: Client, url: str, data: dict) -> list:
    """CLICKS posts of ``data`` to ``url`` released at once, each from a tab sharing the
    browser's session; returns (status, where it sends the browser) per click."""
    tabs = [other_tab(browser) for _ in range(CLICKS)]
    start = threading.Barrier(CLICKS)
    answers, errors = [], []

    def click(tab):
        try:
            start.wait(timeout=20)
            response = tab.post(url, data)
            answers.append((response.status_code, response.get("Location", "")))
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(answers) == CLICKS
    return answers


def test_clicks_at_once_on_a_transfer_code_all_get_its_receipt(client, member_user, outsider):
    sign_in(client, member_user.username)
    url = "/transferencias/cooprogreso/confirmar/"
    verify, code = ask_code(client, url, member_data(member_user, outsider))
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    answers = _click_together(client, url, {**verify, "otp_code": code})

    receipt = f"/transferencias/{Transfer.objects.get().pk}/"
    assert answers == [(302, receipt)] * CLICKS
    assert savings(member_user).balance == Decimal("480.00")
    # Still signed in, on the same key: no click was sent to the sign-in page.
    assert client.get(receipt).status_code == 200
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == key


def test_clicks_at_once_on_a_payee_code_save_it_once(client, member_user, outsider):
    sign_in(client, member_user.username)
    url = "/beneficiarios/nuevo/cooprogreso/"
    data = {"account_number": savings(outsider).number, "alias": "V", "key": str(uuid.uuid4())}
    verify, code = ask_code(client, url, data)

    answers = _click_together(client, url, {**verify, "otp_code": code})

    assert answers == [(302, "/beneficiarios/?tab=cooprogreso")] * CLICKS
    assert Beneficiary.objects.filter(owner=member_user.customer).count() == 1
    assert client.get("/beneficiarios/").status_code == 200
