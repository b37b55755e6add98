"""A company's service payment in Chromium: the ingresador pays a water bill after «Consulta del
servicio» and is told it waits for the company's signatures; the autorizador reads the biller,
the reference, the bill and the total before signing with a code; the ingresador then finds it
paid in «Historial de pagos». The pages fit a 390 px phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import enter_code
from tests.browser.test_enterprise_journey import menu, sign_out
from tests.browser.test_layouts import PHONE, fits_the_phone

ORIGIN = "410201000017"  # COMERCIAL ANDINA's checking account
REFERENCE = "20261267"  # the simulator's one bill of $ 67.50


@pytest.fixture
def catalogue(settings, tmp_path, demo):
    settings.VAR_DIR = tmp_path / "var"


def choose(page, label, text):
    select = page.get_by_label(label)
    value = select.locator("option", has_text=text).first.get_attribute("value")
    select.select_option(value)


def test_an_ingresadors_water_bill_is_signed_by_the_autorizador_and_paid(
    page, live_server, sign_in, catalogue
):
    sign_in("empingresa01")
    menu(page, "Pago de servicios")
    page.get_by_label("Buscar servicio (opcional)").fill("epmapa")
    page.get_by_test_id("billers").get_by_role("link", name="Pagar AGUA EPMAPA PEDERNALES").click()
    choose(page, "Cuenta de origen", ORIGIN)
    page.get_by_label("NUMERO DE CUENTA").fill(REFERENCE)
    page.get_by_role("button", name="Consultar").click()
    expect(page.get_by_role("heading", name="Consulta del servicio")).to_be_visible()
    expect(page.get_by_test_id("bills")).to_contain_text("$ 67.50")
    page.get_by_role("button", name="Continuar").click()
    summary = page.get_by_test_id("payment-summary")
    expect(summary).to_contain_text("$ 67.85")
    expect(page.get_by_test_id("waits-for")).to_contain_text(
        "La orden quedará pendiente de las firmas de tu empresa: A"
    )
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_test_id("otp-dialog")).to_contain_text("pendiente de las firmas")
    enter_code(page)
    expect(page.get_by_text(re.compile(r"Orden N\.º \d+ registrada"))).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Pendiente")
    sign_out(page)

    sign_in("empautoriza01")
    menu(page, "Autorizar")
    row = page.get_by_test_id("pending-orders").get_by_role("row").filter(has_text=REFERENCE)
    expect(row).to_contain_text("AGUA EPMAPA PEDERNALES")
    row.get_by_role("link", name="Autorizar", exact=True).click()
    view = page.get_by_test_id("order-view")
    expect(page.get_by_test_id("order-payee")).to_have_text("AGUA EPMAPA PEDERNALES")
    expect(page.get_by_test_id("order-payee-account")).to_have_text(REFERENCE)
    expect(view).to_contain_text("Factura")
    expect(page.get_by_test_id("order-amount")).to_have_text("$ 67.50")
    expect(page.get_by_test_id("order-total")).to_have_text("$ 67.85")
    page.set_viewport_size(PHONE)
    fits_the_phone(page, "empresa-pago-servicio-autorizar")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("button", name="Sí, autorizar").click()
    enter_code(page)
    expect(page.get_by_test_id("order-status")).to_have_text("Aprobada")
    sign_out(page)

    sign_in("empingresa01")
    page.goto(f"{live_server.url}/pagos/historial/")
    history = page.get_by_test_id("history")
    row = history.locator("tbody tr", has_text=REFERENCE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Pagado")
    expect(row).to_contain_text("$ 67.85")
    page.set_viewport_size(PHONE)
    fits_the_phone(page, "empresa-historial-pagos")
