"""A company user cannot read another member's full name or cédula by ordering a transfer that
never executes: the order's Beneficiarios and the saved payee show them masked, as the
transfer form did."""

import re
import uuid

import pytest

from accounts.models import Account, Product
from enterprise.models import ApprovalOrder
from tests.auth import code_sent, sign_in
from tests.factories import funded_member

pytestmark = pytest.mark.django_db
FULL = "MARÍA FERNANDA ONTANEDA RUIZ"


@pytest.fixture
def victim(db):
    user = funded_member("1.00")
    user.customer.first_names, user.customer.last_names = "MARÍA FERNANDA", "ONTANEDA RUIZ"
    user.customer.save(update_fields=["first_names", "last_names"])
    return user.customer


def test_an_order_that_never_executes_shows_the_payee_masked(client, company, victim):
    sign_in(client, company.maker.username)
    number = Account.objects.get(owner=victim, product=Product.SAVINGS).number
    data = {
        "account_number": number,
        "origin": company.account.pk,
        "amount": "0.01",
        "key": str(uuid.uuid4()),
        "save_beneficiary": "on",
    }
    assert FULL not in client.post("/transferencias/cooprogreso/", data).content.decode()
    dialog = client.post("/transferencias/cooprogreso/confirmar/", data).content.decode()
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    client.post(
        "/transferencias/cooprogreso/confirmar/",
        {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code_sent()},
    )
    order = ApprovalOrder.objects.get()
    assert order.status == ApprovalOrder.Status.PENDING  # nothing moved
    for url in (f"/empresa/consultas/{order.pk}/beneficiarios/", "/beneficiarios/"):
        page = client.get(url).content.decode()
        assert "MAR** FER***** ONT***** RUI*" in page, url
        assert FULL not in page and victim.identification not in page, url
