"""Service payments as a member clicks through them in Chromium: a recharge; a water bill
after «Consulta del servicio», saved as frequent and paid again from «Pagos frecuentes»; and
the pages on a 390 px phone in the dark theme."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import enter_code

ORIGIN = "410101038642"  # sociodemo1's savings
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def catalogue(settings, tmp_path, demo):
    from payments.services.catalogue import demo_catalogue_ensure

    settings.VAR_DIR = tmp_path / "var"
    demo_catalogue_ensure()  # seed_demo loads it too, once the lead wires it


def choose(page, label, text):
    select = page.get_by_label(label)
    value = select.locator("option", has_text=text).first.get_attribute("value")
    select.select_option(value)


def test_pay_a_recharge(page, live_server, sign_in, catalogue):
    sign_in()
    page.goto(f"{live_server.url}/pagos/")
    page.get_by_label("Buscar servicio (opcional)").fill("cnt paquete")
    billers = page.get_by_test_id("billers")
    expect(billers).not_to_contain_text("AGUA EPMAPA PEDERNALES")
    billers.get_by_role("link", name="Pagar RECARGAS CNT PAQUETE").click()
    expect(page.get_by_role("heading", name="Pagar servicio - Recargas")).to_be_visible()
    choose(page, "Cuenta de origen", ORIGIN)
    page.get_by_label("NUMERO CELULAR").fill("09912")
    page.get_by_label("Monto").select_option("5.00")
    page.get_by_role("button", name="Pagar").click()
    expect(page.get_by_text("NUMERO CELULAR debe tener 10 caracteres números")).to_be_visible()
    page.get_by_label("NUMERO CELULAR").fill("0991234573")
    page.get_by_role("button", name="Pagar").click()
    expect(page.get_by_text("Verifica que todos los datos estén correctos.")).to_be_visible()
    summary = page.get_by_test_id("payment-summary")
    expect(summary).to_contain_text("$ 5.00")
    expect(summary).to_contain_text("RECARGAS CNT PAQUETE")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_test_id("otp-dialog")).to_contain_text("pagar $ 5.00 a RECARGAS CNT PAQUETE")
    enter_code(page)
    expect(page.get_by_role("heading", name="¡Pago exitoso!")).to_be_visible()
    receipt = page.get_by_test_id("payment-receipt")
    expect(receipt).to_contain_text("Comprobante N.º")
    expect(receipt).to_contain_text("0991234573")
    with page.expect_download() as download:
        page.get_by_role("link", name="Imprimir").click()
    assert download.value.suggested_filename.endswith(".pdf")


def test_pay_a_water_bill_save_it_and_pay_again_from_frequent(
    page, live_server, sign_in, catalogue
):
    sign_in()
    page.goto(f"{live_server.url}/pagos/?categoria=agua")
    page.get_by_role("link", name="Pagar AGUA EPMAPA PEDERNALES").click()
    choose(page, "Cuenta de origen", ORIGIN)
    page.get_by_label("NUMERO DE CUENTA").fill("1234522")  # three bills pending
    expect(page.get_by_label("Alias")).to_be_hidden()
    page.get_by_label("Guardar servicio").check()
    page.get_by_label("Alias").fill("Agua oficina")
    page.get_by_role("button", name="Consultar").click()
    expect(page.get_by_role("heading", name="Consulta del servicio")).to_be_visible()
    bills = page.get_by_test_id("bills").get_by_role("radio")
    expect(bills).to_have_count(3)
    expect(bills.first).to_be_checked()
    page.get_by_role("button", name="Continuar").click()
    summary = page.get_by_test_id("payment-summary")
    expect(summary).to_contain_text("$ 0.30")
    expect(summary).to_contain_text("$ 0.05")
    expect(summary).to_contain_text("Agua oficina")
    page.get_by_role("button", name="Confirmar").click()
    enter_code(page)
    expect(page.get_by_role("heading", name="¡Pago exitoso!")).to_be_visible()
    expect(page.get_by_test_id("messages")).to_contain_text("pagos frecuentes")

    # Pagos frecuentes: the saved service, «Pagar» with the reference filled in.
    page.goto(f"{live_server.url}/pagos/")
    page.get_by_test_id("payments-tabs").get_by_role("link", name="Pagos frecuentes").click()
    frequent = page.get_by_test_id("frequent")
    expect(frequent).to_contain_text("Agua oficina")
    frequent.get_by_role("link", name=re.compile("^Pagar Agua oficina")).click()
    expect(page.get_by_label("NUMERO DE CUENTA")).to_have_value("1234522")
    expect(page.get_by_label("Cuenta de origen")).not_to_have_value("")
    page.get_by_role("button", name="Consultar").click()
    page.get_by_test_id("bills").get_by_role("radio").nth(1).check()
    page.get_by_role("button", name="Continuar").click()
    page.get_by_role("button", name="Confirmar").click()
    enter_code(page)
    expect(page.get_by_role("heading", name="¡Pago exitoso!")).to_be_visible()

    # Both in the history.
    page.get_by_role("link", name="Historial de pagos").click()
    history = page.get_by_test_id("history")
    expect(history.locator("tbody tr", has_text="1234522")).to_have_count(2)
    expect(history).to_contain_text("AGUA EPMAPA PEDERNALES")


def test_payment_pages_fit_a_phone(page, live_server, sign_in, catalogue):
    page.set_viewport_size(PHONE)
    sign_in()
    # In the dark theme: each page below is audited by axe as shown.
    page.get_by_role("button", name="Tema oscuro").click()
    for path in (
        "/pagos/",
        "/pagos/servicio/agua-epmapa-pedernales/",
        "/pagos/frecuentes/",
        "/pagos/historial/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path}: {overflow} px wider than the screen"
    # The bills and the review, on the phone.
    page.goto(f"{live_server.url}/pagos/servicio/agua-epmapa-pedernales/")
    choose(page, "Cuenta de origen", ORIGIN)
    page.get_by_label("NUMERO DE CUENTA").fill("1234573")
    page.get_by_role("button", name="Consultar").click()
    expect(page.get_by_test_id("bills")).to_contain_text("$ 73.50")
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_test_id("payment-summary")).to_contain_text("$ 73.85")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
