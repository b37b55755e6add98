"""Twenty clicks of one code confirmation sent at the same instant to gunicorn (three workers),
from one browser: the money moves once, and every click lands on that one receipt, signed in.
The portal's own answer to a repeat (identity/views/otp.py ``confirmation_repeated``): it waits
briefly for the first click's result and sends the browser there, running nothing again."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

from django.db import connections

from accounts.models import Account
from tests.faults.journeys import RECEIPT, accounts_of, code_asked, member_with_two_accounts
from tests.processes import ON_POSTGRES_AND_REDIS
from tests.stack import Browser
from transfers.models import Transfer

pytestmark = ON_POSTGRES_AND_REDIS

CLICKS = 20
MEMBER_TRANSFER = "/transferencias/cooprogreso/confirmar/"


def _clicks_at_once(person: Browser, data: dict) -> list:
    """CLICKS posts of ``data``, each on its own connection with the browser's cookies,
    released together."""
    start = threading.Barrier(CLICKS)
    answers, errors = [], []

    def click():
        tab = Browser(person.web, dict(person.cookies))
        try:
            start.wait(timeout=30)
            answers.append(tab.post(MEMBER_TRANSFER, data))
        except Exception as exc:  # reported in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return answers


def test_twenty_clicks_at_once_on_a_code_move_the_money_once_and_all_land_on_the_receipt(
    stack, signed_in, ledger_clean
):
    web = stack.web(workers=3)
    user, payee = member_with_two_accounts(), member_with_two_accounts()
    person = signed_in(user, web)
    savings, _ = accounts_of(user)
    to_savings, _ = accounts_of(payee)
    data = {
        "account_number": to_savings.number,
        "origin": savings.pk,
        "amount": "20.00",
        "memo": "Cena",
        "key": str(uuid.uuid4()),
    }
    _, verify = code_asked(person, user, MEMBER_TRANSFER, data)
    assert verify, "no se pidió el código"

    answers = _clicks_at_once(person, verify)

    transfer = Transfer.objects.get()
    receipt = f"/transferencias/{transfer.pk}/"
    assert sorted((a.status, a.location) for a in answers) == [(302, receipt)] * CLICKS
    assert Account.objects.get(pk=savings.pk).balance == Decimal("480.00")
    assert Account.objects.get(pk=to_savings.pk).balance == Decimal("520.00")
    page = person.get(receipt)
    assert page.status == 200 and RECEIPT.match(receipt)
    assert "¡Transferencia exitosa!" in page.text
    assert transfer.transaction.receipt_number in page.text
    assert person.get("/").status == 200  # still signed in
    stack.stop()
    ledger_clean()
