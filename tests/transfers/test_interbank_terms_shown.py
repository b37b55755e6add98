"""The fee and the cut-off the interbank pages state come from settings, not from the page."""

import uuid
from decimal import Decimal

import pytest
from django.test import override_settings

from accounts.models import Account, Product
from tests.auth import sign_in
from transfers.models import Institution

pytestmark = pytest.mark.django_db
URL = "/transferencias/interbancarias/"


@pytest.fixture
def signed_in(client, member_user):
    sign_in(client, member_user.username)
    return client


def _order(member_user):
    return {
        "institution": Institution.objects.get(code="0032").pk,  # settles in cycles
        "account_type": "AHORROS",
        "account_number": "2200123456",
        "holder_name": "Fanny Ontaneda",
        "id_type": "CEDULA",
        "identification": "1710034065",
        "origin": Account.objects.get(owner=member_user.customer, product=Product.SAVINGS).pk,
        "amount": "100.00",
        "memo": "Pago proveedor",
        "key": str(uuid.uuid4()),
    }


def test_the_form_states_the_fee_and_cut_off_of_the_settings(signed_in):
    page = signed_in.get(URL).content.decode()
    assert (
        "Comisión $ 0.36 + IVA. Las transferencias después de las 15h00 o en días no hábiles se "
        "procesan el siguiente día hábil."
    ) in page

    with override_settings(INTERBANK_FEE=Decimal("0.50"), INTERBANK_CUTOFF="13:30"):
        page = signed_in.get(URL).content.decode()

    assert "Comisión $ 0.50 + IVA." in page and "después de las 13h30 o en días" in page
    assert "0.36" not in page and "15h00" not in page


def test_the_review_states_the_cut_off_and_charges_of_the_settings(signed_in, member_user):
    # A cut-off at midnight: every order goes to the next business day, so the review says why.
    with override_settings(INTERBANK_FEE=Decimal("0.50"), INTERBANK_CUTOFF="00:00"):
        review = signed_in.post(URL, _order(member_user)).content.decode()

    assert "(después de las 00h00 o en día no hábil se procesa el siguiente día hábil)" in review
    # $ 0.50 and 15 % of it, $ 0.08.
    assert "$ 0.50" in review and "$ 0.08" in review and "$ 100.58" in review
