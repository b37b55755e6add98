"""Pago de tarjetas: a card of the cooperative credited at once through the ledger (the position
shows it), another bank's card through SPI with its fee and VAT and refunded when returned, the
number never stored in clear, and every page's access."""

import re
import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from stdnum import luhn

from accounts.models import Account, InternalAccount, Product, Transaction
from accounts.registries.cards import card_account_for
from accounts.services.integrity import ledger_problems
from common.cards import card_is_valid, card_mask, card_token
from credits.models import Card
from credits.services import card_account_open
from identity.models import AuditEvent, OtpChallenge
from tests.auth import code_sent, sign_in
from tests.factories import deposit
from tests.transfers.conftest import BATCH_BANK, balance_of, cycle_moment
from transfers.models import Beneficiary, Institution, Transfer
from transfers.services import settlement

pytestmark = pytest.mark.django_db

PAY = "/pago-tarjetas/pagar/"
CONFIRM = "/pago-tarjetas/pagar/confirmar/"


def card_number(prefix: str = "513744", last2: str | None = None, n: int = 1) -> str:
    """A Luhn-valid 16-digit number; ``last2`` chooses its last two digits (the SPI simulator
    rejects ...99)."""
    for i in range(n, n + 100000):
        body = f"{prefix}{i:09d}"[:15]
        if last2 is not None:
            body = body[:14] + last2[0]
        number = body + luhn.calc_check_digit(body)
        if last2 is None or number.endswith(last2):
            return number
    raise AssertionError("no number")


OWN_CARD = card_number(n=5290)
OTHER_BANK_CARD = card_number("451766", n=7757)


def savings(user) -> Account:
    return Account.objects.filter(owner=user.customer, product=Product.SAVINGS).first()


def coop() -> Institution:
    return Institution.objects.get(is_self=True)


def issue_card(user, number=OWN_CARD, **fields) -> Card:
    values = {
        "brand": "MASTERCARD",
        "masked_number": "X",
        "credit_limit": Decimal("10000.00"),
        "used_revolving": Decimal("1538.14"),
        "used_deferred": Decimal("7597.38"),
        "minimum_payment": Decimal("708.63"),
    }
    card = Card.objects.create(owner=user.customer, **(values | fields))
    return card_account_open(card=card, number=number)


def client_for(user) -> Client:
    client = Client()
    sign_in(client, user.username)
    return client


def with_code(client, url, data):
    dialog = client.post(url, data).content.decode()
    assert 'name="otp_digit"' in dialog, dialog[:800]
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    return client.post(
        url, {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code_sent()}
    )


def new_coop_card(user, number=OWN_CARD, **extra) -> dict:
    member = user.customer
    return {
        "institution": coop().pk,
        "card_number": number,
        "id_type": member.id_type,
        "identification": member.identification,
        "origin": savings(user).pk,
        "pay": "OTRO",
        "amount": "100.00",
        "memo": "Pago tarjeta",
        "key": str(uuid.uuid4()),
        **extra,
    }


def new_bank_card(user, number=OTHER_BANK_CARD, **extra) -> dict:
    return {
        "institution": Institution.objects.get(code=BATCH_BANK).pk,
        "card_number": number,
        "id_type": "CEDULA",
        "identification": "1710034065",
        "holder_name": "Evelyn Rivera",
        "origin": savings(user).pk,
        "pay": "OTRO",
        "amount": "30.00",
        "key": str(uuid.uuid4()),
        **extra,
    }


# --- The number -----------------------------------------------------------------------------


def test_the_number_is_masked_tokenised_and_luhn_checked():
    assert card_mask("5137 4400 0000 5290") == "513744XXXXXX5290"
    assert card_is_valid(OWN_CARD) and not card_is_valid(OWN_CARD[:-1] + "0")
    token = card_token(OWN_CARD)
    assert token == card_token(OWN_CARD[:4] + " " + OWN_CARD[4:]) and len(token) == 64
    assert OWN_CARD not in token


def test_a_wrong_number_is_told_in_spanish(member_user):
    client = client_for(member_user)
    bad = OWN_CARD[:-1] + str((int(OWN_CARD[-1]) + 1) % 10)
    page = client.post(PAY, new_coop_card(member_user, bad)).content.decode()
    assert "El número de tarjeta no es válido: revisa los dígitos." in page
    assert not Transfer.objects.exists()


def test_a_cooprogreso_card_must_exist_and_be_its_holders(member_user, outsider):
    issue_card(member_user)
    client = client_for(member_user)
    # No such card, or not that holder's: one answer, so numbers cannot be tried for cards.
    said = "No encontramos una tarjeta Cooprogreso activa con ese número e identificación."
    page = client.post(PAY, new_coop_card(member_user, card_number(n=42))).content.decode()
    assert said in page
    wrong_id = {"identification": outsider.customer.identification}
    page = client.post(PAY, new_coop_card(member_user, **wrong_id)).content.decode()
    assert said in page and "titular" not in page.split(said)[0][-300:]


# --- A card of the cooperative ------------------------------------------------------------------


def test_own_card_paid_credits_its_account_and_the_position(member_user):
    card = issue_card(member_user)
    assert card.account.balance == Decimal("864.48")  # 10,000 − 1,538.14 − 7,597.38
    client = client_for(member_user)
    assert "$ 864.48" in client.get("/").content.decode()
    data = new_coop_card(member_user, save_beneficiary="on", alias="Mi Mastercard")
    review = client.post(PAY, data).content.decode()
    assert "Verifica que todos los datos estén correctos" in review
    assert card_mask(OWN_CARD) in review
    response = with_code(client, CONFIRM, data)
    payment = Transfer.objects.get()
    assert response["Location"] == f"/pago-tarjetas/{payment.pk}/"
    assert payment.kind == Transfer.Kind.CARD and payment.status == Transfer.Status.DONE
    assert Account.objects.get(pk=card.account_id).balance == Decimal("964.48")
    assert savings(member_user).balance == Decimal("400.00")
    receipt = client.get(response["Location"]).content.decode()
    assert "¡Pago exitoso!" in receipt and payment.transaction.receipt_number in receipt
    # The position shows the new available amount at once.
    position = client.get("/").content.decode()
    assert "$ 964.48" in position and "$ 864.48" not in position
    saved = Beneficiary.objects.get(kind=Beneficiary.Kind.CARD)
    assert saved.alias == "Mi Mastercard" and saved.card_token == card_token(OWN_CARD)
    assert payment.beneficiary == saved
    assert ledger_problems() == []


def test_minimum_and_total_come_from_the_own_card(member_user):
    card = issue_card(member_user)
    deposit(savings(member_user), "10000.00")
    client = client_for(member_user)
    data = new_coop_card(member_user, pay="MINIMO", amount="")
    review = client.post(PAY, data).content.decode()
    assert "$ 708.63" in review and "Pago mínimo" in review
    with_code(client, CONFIRM, data)
    assert Account.objects.get(pk=card.account_id).balance == Decimal("1573.11")
    total = new_coop_card(member_user, pay="TOTAL", amount="")
    review = client.post(PAY, total).content.decode()
    assert "$ 8,426.89" in review  # everything still owed
    too_much = new_coop_card(member_user, amount="9000.00")
    refused = client.post(PAY, too_much).content.decode()
    assert "El monto supera lo que debes en la tarjeta" in refused


def test_another_members_card_is_paid_with_the_name_masked(member_user, outsider):
    card = issue_card(outsider)
    client = client_for(member_user)
    data = new_coop_card(
        member_user,
        id_type=outsider.customer.id_type,
        identification=outsider.customer.identification,
        amount="50.00",
    )
    review = client.post(PAY, data).content.decode()
    assert outsider.customer.full_name not in review
    # Only "Otro valor": what another person owes is not shown.
    minimum = client.post(PAY, {**data, "pay": "MINIMO", "amount": ""}).content.decode()
    assert "Para esta tarjeta ingresa el valor a pagar en «Otro valor»." in minimum
    with_code(client, CONFIRM, data)
    assert Account.objects.get(pk=card.account_id).balance == Decimal("914.48")
    assert Transfer.objects.get().to_name != outsider.customer.full_name


def test_what_another_member_owes_cannot_be_found_out_by_trying_amounts(member_user, outsider):
    card = issue_card(outsider, used_revolving=Decimal("0"), used_deferred=Decimal("120.00"))
    client = client_for(member_user)  # $ 500.00 in their account; the card owes $ 120.00
    data = new_coop_card(
        member_user,
        id_type=outsider.customer.id_type,
        identification=outsider.customer.identification,
    )
    above, below = {**data, "amount": "120.01"}, {**data, "amount": "120.00"}
    # Before the code, an amount above and one below the debt read the same: the review.
    for tried in (above, below):
        page = client.post(PAY, tried).content.decode()
        assert "Verifica que todos los datos estén correctos" in page
        assert "saldo por pagar" not in page and "supera" not in page
    # After the code, the posting refuses without the figure, and nothing moves.
    with_code(client, CONFIRM, above)
    assert not Transfer.objects.exists()
    assert Account.objects.get(pk=card.account_id).balance == Decimal("9880.00")


def test_the_number_typed_is_not_sent_back_by_the_verify_page_or_the_code(member_user):
    """Once checked, the card rides as its form key: the verify page and the code dialog hold
    no card number, and what the browser posts back from them pays the card."""
    card = issue_card(member_user)
    client = client_for(member_user)
    review = client.post(PAY, new_coop_card(member_user)).content.decode()
    assert OWN_CARD not in review and card_mask(OWN_CARD) in review
    form = review.split('hx-target="#modal"', 1)[1].split("</form>", 1)[0]
    posted = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    assert "card_number" not in posted and posted["key"]
    dialog = client.post(CONFIRM, posted).content.decode()
    assert OWN_CARD not in dialog and 'name="otp_digit"' in dialog
    with_code(client, CONFIRM, posted)
    assert Account.objects.get(pk=card.account_id).balance == Decimal("964.48")
    # Another session (no card checked under that key) is refused, not paid.
    other = client_for(member_user)
    page = other.post(CONFIRM, {**posted, "key": str(uuid.uuid4())}).content.decode()
    assert 'name="otp_digit"' not in page and Transfer.objects.count() == 1


def test_confirm_twice_pays_once_and_the_code_is_required(member_user):
    card = issue_card(member_user)
    client = client_for(member_user)
    data = new_coop_card(member_user)
    # Without the code nothing moves: the confirm only opens the code dialog.
    client.post(CONFIRM, data)
    assert not Transfer.objects.exists()
    first = with_code(client, CONFIRM, data)
    again = client.post(CONFIRM, data)
    assert again["Location"] == first["Location"] and Transfer.objects.count() == 1
    assert Account.objects.get(pk=card.account_id).balance == Decimal("964.48")


def test_a_wrong_code_pays_nothing(member_user):
    issue_card(member_user)
    client = client_for(member_user)
    data = new_coop_card(member_user)
    dialog = client.post(CONFIRM, data).content.decode()
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    wrong = "000000" if code_sent() != "000000" else "111111"
    client.post(
        CONFIRM, {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": wrong}
    )
    assert not Transfer.objects.exists()


# --- Another bank's card --------------------------------------------------------------------------


def test_another_banks_card_goes_by_spi_with_fee_and_vat(member_user, central_bank):
    client = client_for(member_user)
    data = new_bank_card(member_user, save_beneficiary="on")
    review = client.post(PAY, data).content.decode()
    assert "$ 0.36" in review and "$ 0.05" in review and "$ 30.41" in review
    with_code(client, CONFIRM, data)
    payment = Transfer.objects.get()
    assert payment.kind == Transfer.Kind.CARD_INTERBANK
    assert payment.status == Transfer.Status.PENDING
    assert (payment.fee, payment.vat) == (Decimal("0.36"), Decimal("0.05"))
    assert savings(member_user).balance == Decimal("469.59")
    result = settlement.cycle_run(now=cycle_moment())
    assert result.prepared is not None
    assert payment.pk in result.prepared.transfers.values_list("pk", flat=True)
    settlement.results_apply()
    payment.refresh_from_db()
    assert payment.status == Transfer.Status.CREDITED
    assert ledger_problems() == []


def test_a_returned_card_payment_is_refunded_once(member_user, settings, central_bank):
    settings.INTERBANK_RETURN_REFUNDS_FEE = True
    client = client_for(member_user)
    data = new_bank_card(member_user, card_number("451766", last2="99"))
    with_code(client, CONFIRM, data)
    payment = Transfer.objects.get()
    clearing = balance_of(InternalAccount.INTERBANK_CLEARING)
    settlement.cycle_run(now=cycle_moment())
    settlement.results_apply()
    settlement.results_apply()
    payment.refresh_from_db()
    assert payment.status == Transfer.Status.RETURNED and payment.return_transaction_id
    assert savings(member_user).balance == Decimal("500.00")
    assert balance_of(InternalAccount.INTERBANK_CLEARING) == clearing - Decimal("30.00")
    assert Transaction.objects.filter(idempotency_key=f"spi-return-{payment.pk}").count() == 1
    page = client.get(f"/pago-tarjetas/{payment.pk}/").content.decode()
    assert "Pago devuelto" in page
    assert ledger_problems() == []


def test_the_number_is_stored_nowhere_in_clear(member_user):
    issue_card(member_user)
    client = client_for(member_user)
    own = new_coop_card(member_user, save_beneficiary="on")
    with_code(client, CONFIRM, own)
    other = new_bank_card(member_user, save_beneficiary="on")
    with_code(client, CONFIRM, other)
    assert Transfer.objects.count() == 2 and Beneficiary.objects.count() == 2
    models = (Beneficiary, Transfer, Transaction, Card, AuditEvent, OtpChallenge)
    for model in models:
        for row in model.objects.values():
            text = str(row)
            assert OWN_CARD not in text and OTHER_BANK_CARD not in text, model


# --- Pages and access ---------------------------------------------------------------------------


def test_saved_cards_are_listed_searched_and_paid_from_the_row(member_user):
    card = issue_card(member_user)
    client = client_for(member_user)
    with_code(client, CONFIRM, new_coop_card(member_user, save_beneficiary="on", alias="Visa"))
    with_code(client, CONFIRM, new_bank_card(member_user, save_beneficiary="on", alias="Pacífico"))
    page = client.get("/pago-tarjetas/").content.decode()
    assert "Visa" in page and "Pacífico" in page and "Agregar nueva tarjeta" in page
    found = client.get("/pago-tarjetas/", {"q": "internacional"}, HTTP_HX_REQUEST="true")
    text = found.content.decode()
    assert "Pacífico" in text and "Visa" not in text and "<html" not in text
    saved = Beneficiary.objects.get(alias="Visa")
    form = client.get(PAY, {"beneficiario": saved.pk}).content.decode()
    assert f'value="{saved.pk}" selected' in form and "$ 708.63" in form
    data = {
        "beneficiary": saved.pk,
        "origin": savings(member_user).pk,
        "pay": "OTRO",
        "amount": "10.00",
        "key": str(uuid.uuid4()),
    }
    with_code(client, CONFIRM, data)
    assert Account.objects.get(pk=card.account_id).balance == Decimal("974.48")
    # Administrar beneficiarios: the Tarjetas tab, with «Pagar».
    tab = client.get("/beneficiarios/", {"tab": "tarjetas"}).content.decode()
    assert "Visa" in tab and f"{PAY}?beneficiario={saved.pk}" in tab


def test_an_outsider_gets_404(member_user, outsider):
    issue_card(member_user)
    owner = client_for(member_user)
    with_code(owner, CONFIRM, new_coop_card(member_user, save_beneficiary="on"))
    payment, saved = Transfer.objects.get(), Beneficiary.objects.get()
    assert owner.get(f"/pago-tarjetas/{payment.pk}/").status_code == 200
    stranger = client_for(outsider)
    assert stranger.get(f"/pago-tarjetas/{payment.pk}/").status_code == 404
    assert stranger.get(PAY, {"beneficiario": saved.pk}).status_code == 404
    assert saved.holder_name not in stranger.get("/pago-tarjetas/").content.decode()
    # Another member's saved payee of another kind is no card to pay either.
    interbank = Beneficiary.objects.create(
        owner=member_user.customer, kind=Beneficiary.Kind.INTERBANK, account_number="2200123456"
    )
    assert owner.get(PAY, {"beneficiario": interbank.pk}).status_code == 404


def test_wrong_methods_get_405(member_user):
    client = client_for(member_user)
    assert client.post("/pago-tarjetas/").status_code == 405
    assert client.put(PAY).status_code == 405
    assert client.delete("/pago-tarjetas/1/").status_code == 405
    assert client.get(CONFIRM).status_code == 302  # the confirm step has no page of its own


def test_pages_need_sign_in():
    for url in ("/pago-tarjetas/", PAY, "/pago-tarjetas/1/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/ingresar/" in response["Location"]


def test_the_lookup_finds_only_active_ledger_cards(member_user):
    legacy = Card.objects.create(
        owner=member_user.customer, brand="VISA", masked_number="4111XXXXXXXX1111"
    )
    assert card_account_for(card_token("4111111111111111")) is None
    card = issue_card(member_user)
    found = card_account_for(card_token(OWN_CARD))
    assert found.account_id == card.account_id and found.masked == card_mask(OWN_CARD)
    assert legacy.available_credit == Decimal("0.00")
    call_command("ledger_check")
