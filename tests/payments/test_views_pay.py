"""«Pago de servicios» as a member clicks through it: the catalogue, the form with the biller's
messages, «Consulta del servicio», «Confirmar pago», the code and the receipt."""

import re
import uuid
from decimal import Decimal

import pytest

from accounts.models import Account, Product
from payments.models import Payment, SavedService
from payments.services.catalogue import demo_catalogue_ensure
from tests.auth import code_sent, sign_in

pytestmark = pytest.mark.django_db

RECHARGE = "/pagos/servicio/recargas-cnt-paquete/"
WATER = "/pagos/servicio/agua-epmapa-pedernales/"


@pytest.fixture(autouse=True)
def _billers(settings, tmp_path):
    """The demo catalogue, the simulated billers' files in tmp, and tiny timeouts."""
    settings.VAR_DIR = tmp_path / "var"
    settings.PAYMENTS_GATEWAY_TIMEOUT = 0.3
    settings.PAYMENTS_SIMULATOR_SLOW = 1.0
    demo_catalogue_ensure()


@pytest.fixture
def signed_in(client, member_user):
    sign_in(client, member_user.username)
    return client


def savings(user):
    return Account.objects.filter(owner=user.customer, product=Product.SAVINGS).first()


def recharge_data(user, **extra):
    return {
        "origin": savings(user).pk,
        "ref_celular": "0991234573",
        "amount": "5.00",
        "key": str(uuid.uuid4()),
        **extra,
    }


def water_data(user, reference="1234573", **extra):
    return {
        "origin": savings(user).pk,
        "ref_cuenta": reference,
        "key": str(uuid.uuid4()),
        **extra,
    }


def with_code(client, url, data):
    """«Confirmar», then the code from the outbox, as the dialog sends them."""
    dialog = client.post(url, data).content.decode()
    assert 'name="otp_digit"' in dialog, dialog[:800]
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    return client.post(
        url, {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code_sent()}
    )


# --- The catalogue --------------------------------------------------------------------------


def test_index_lists_billers_by_category_and_searches_live(signed_in):
    page = signed_in.get("/pagos/").content.decode()
    assert "Pago de servicios" in page and "AGUA EPMAPA PEDERNALES" in page
    assert 'hx-trigger="input changed delay:300ms' in page
    assert "Pagos frecuentes" in page and "Historial de pagos" in page
    water = signed_in.get("/pagos/", {"categoria": "agua"}).content.decode()
    assert "AGUA EPMAPA PEDERNALES" in water and "CNEL EP" not in water
    fragment = signed_in.get("/pagos/", {"q": "cnel"}, HTTP_HX_REQUEST="true").content.decode()
    assert "CNEL EP" in fragment and "AGUA EPMAPA" not in fragment and "<html" not in fragment
    assert f'href="{RECHARGE}"' in signed_in.get("/pagos/").content.decode()


def test_catalogue_pages_refuse_other_methods_and_unknown_billers(signed_in):
    assert signed_in.post("/pagos/").status_code == 405
    assert signed_in.get("/pagos/servicio/no-existe/").status_code == 404
    assert signed_in.put(RECHARGE).status_code == 405


def test_catalogue_needs_a_signed_in_customer(client):
    assert client.get("/pagos/").status_code == 302


# --- The form -------------------------------------------------------------------------------


def test_recharge_form_asks_for_the_listed_amounts_and_numeric_phone(signed_in):
    page = signed_in.get(RECHARGE).content.decode()
    assert "Pagar servicio - Recargas" in page and "NUMERO CELULAR" in page
    assert 'inputmode="numeric"' in page and 'maxlength="10"' in page
    assert '<option value="5.00">$ 5.00</option>' in page
    assert "Guardar servicio" in page and "Alias" in page


def test_reference_message_is_shown_with_the_data_kept(signed_in, member_user):
    page = signed_in.post(RECHARGE, recharge_data(member_user, ref_celular="09912")).content
    page = page.decode()
    assert "NUMERO CELULAR debe tener 10 caracteres números" in page
    assert 'value="09912"' in page and "Confirmar pago" not in page
    cnel = signed_in.post(
        "/pagos/servicio/cnel-ep/",
        {"origin": savings(member_user).pk, "ref_contrato": "12", "key": str(uuid.uuid4())},
    ).content.decode()
    assert "CONTRATO/CÉDULA/RUC debe tener al menos 4 caracteres" in cnel


def test_water_biller_shows_the_bills_and_the_review_adds_fee_and_vat(signed_in, member_user):
    data = water_data(member_user)
    bills = signed_in.post(WATER, data).content.decode()
    assert "Consulta del servicio" in bills and "$ 73.50" in bills
    assert "comisión e IVA $ 0.35, total $ 73.85" in bills  # each bill with its total
    number = re.search(r'name="bill" value="([^"]+)"', bills).group(1)
    review = signed_in.post(WATER, {**data, "bill": number, "step": "bills"}).content.decode()
    assert "Confirmar pago" in review
    assert "Verifica que todos los datos estén correctos" in review
    for text in ("$ 73.50", "$ 0.30", "$ 0.05", "$ 73.85", "AGUA EPMAPA PEDERNALES", "Agua"):
        assert text in review, text
    assert not Payment.objects.exists()


def test_biller_down_is_said_with_the_form_kept(signed_in, member_user):
    page = signed_in.post(WATER, water_data(member_user, reference="1234598")).content.decode()
    assert "El servicio no está disponible en este momento" in page
    assert 'value="1234598"' in page and 'role="alert"' in page


def test_no_debt_is_said_on_the_form(signed_in, member_user):
    page = signed_in.post(
        WATER, water_data(member_user, reference="1234500"), follow=True
    ).content.decode()
    assert "No tienes valores pendientes de pago con este servicio." in page
    assert 'value="1234500"' in page


def test_amount_over_the_funds_is_refused_before_the_code(signed_in, member_user):
    # $ 500.00 + $ 0.30 fee + $ 0.05 VAT from an account holding $ 500.00.
    page = signed_in.post(
        "/pagos/servicio/payphone-recarga/", recharge_data(member_user, amount="500.00")
    ).content.decode()
    assert "Fondos insuficientes" in page and "Confirmar pago" not in page
    assert 'value="500.00"' in page


# --- The code and the receipt ---------------------------------------------------------------


def test_confirm_needs_the_code(signed_in, member_user):
    data = recharge_data(member_user)
    dialog = signed_in.post(RECHARGE + "confirmar/", data).content.decode()
    assert 'name="otp_digit"' in dialog and "pagar $ 5.00 a RECARGAS CNT PAQUETE" in dialog
    wrong = signed_in.post(
        RECHARGE + "confirmar/",
        {
            **data,
            "otp_step": "verify",
            "otp_challenge": re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1),
            "otp_code": "000000",
        },
    ).content.decode()
    assert 'name="otp_digit"' in wrong and not Payment.objects.exists()
    assert signed_in.get(RECHARGE + "confirmar/").status_code == 302


def test_recharge_with_code_gives_the_receipt_once(signed_in, member_user):
    data = recharge_data(member_user, save_service="on", alias="Mi celular")
    response = with_code(signed_in, RECHARGE + "confirmar/", data)
    payment = Payment.objects.get()
    assert response["Location"] == f"/pagos/comprobante/{payment.pk}/"
    assert payment.status == Payment.Status.PAID and payment.amount == Decimal("5.00")
    assert savings(member_user).balance == Decimal("495.00")
    page = signed_in.get(response["Location"]).content.decode()
    for text in (
        "¡Pago exitoso!",
        f"Comprobante N.º {payment.transaction.receipt_number}",
        "Recargas",
        "RECARGAS CNT PAQUETE",
        "0991234573",
        payment.authorization,
        savings(member_user).masked_number,
        "Realizar otro pago",
    ):
        assert text in page, text
    assert SavedService.objects.get(owner=member_user.customer).alias == "Mi celular"
    # The same confirm again (double click, reload): the first receipt, one payment.
    again = signed_in.post(RECHARGE + "confirmar/", data)
    assert again["Location"] == response["Location"] and Payment.objects.count() == 1
    # …and the form's first step with the same key, too.
    assert signed_in.post(RECHARGE, data)["Location"] == response["Location"]


def test_water_bill_paid_after_the_inquiry(signed_in, member_user):
    data = water_data(member_user, reference="1234522")
    bills = signed_in.post(WATER, data).content.decode()
    numbers = re.findall(r'name="bill" value="([^"]+)"', bills)
    assert len(numbers) == 3
    data = {**data, "bill": numbers[0], "step": "bills"}
    response = with_code(signed_in, WATER + "confirmar/", data)
    payment = Payment.objects.get()
    assert response["Location"] == f"/pagos/comprobante/{payment.pk}/"
    assert payment.bill_number == numbers[0] and payment.fee == Decimal("0.30")
    assert payment.vat == Decimal("0.05")


def test_partial_amount_over_the_bill_goes_back_to_the_bills(signed_in, member_user):
    data = {
        "origin": savings(member_user).pk,
        "ref_contrato": "1234573",
        "key": str(uuid.uuid4()),
    }
    bills = signed_in.post("/pagos/servicio/cnel-ep/", data).content.decode()
    number = re.search(r'name="bill" value="([^"]+)"', bills).group(1)
    assert 'name="amount"' in bills  # a partial payment may be typed
    page = signed_in.post(
        "/pagos/servicio/cnel-ep/", {**data, "bill": number, "amount": "80.00", "step": "bills"}
    ).content.decode()
    assert "no puede superar" in page and "Consulta del servicio" in page
    review = signed_in.post(
        "/pagos/servicio/cnel-ep/", {**data, "bill": number, "amount": "20.00", "step": "bills"}
    ).content.decode()
    assert "Confirmar pago" in review and "$ 20.00" in review


def test_slow_biller_receipt_says_payment_in_process(signed_in, member_user, monkeypatch):
    # The status check is queued for later (not run inline here).
    monkeypatch.setattr("payments.services.bills.enqueue", lambda *args, **kwargs: None)
    data = recharge_data(member_user, ref_celular="0991234597")
    response = with_code(signed_in, RECHARGE + "confirmar/", data)
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.PENDING
    page = signed_in.get(response["Location"]).content.decode()
    assert "Pago en proceso" in page and "historial" in page


def test_receipt_and_pdf_are_the_owners_only(signed_in, member_user, outsider, client):
    with_code(signed_in, RECHARGE + "confirmar/", recharge_data(member_user))
    payment = Payment.objects.get()
    pdf = signed_in.get(f"/pagos/comprobante/{payment.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert signed_in.post(f"/pagos/comprobante/{payment.pk}/").status_code == 405
    signed_in.logout()
    sign_in(signed_in, outsider.username)
    assert signed_in.get(f"/pagos/comprobante/{payment.pk}/").status_code == 404
    assert signed_in.get(f"/pagos/comprobante/{payment.pk}/pdf/").status_code == 404
