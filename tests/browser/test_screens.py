"""The screens the issue asks to see, at 1366 px and on a 390 px phone: sign-in, position,
movements, a transfer's confirmation, an order's detail as its autorizador sees it and a payroll
upload's errors. Each fits the phone and is axe-clean; SCREENS_DIR=<folder> (``make screens``)
keeps a picture of each in that folder."""

from playwright.sync_api import expect

from tests.browser.a11y import assert_accessible
from tests.browser.conftest import enter_code
from tests.browser.test_layouts import DESKTOP, PHONE, fits_the_phone, shoot
from tests.browser.test_payroll import WRONG_CEDULA, filled_template, upload

SIZES = (("desktop", DESKTOP), ("phone", PHONE))


def both_sizes(page, name: str) -> None:
    """The page as it is now, on a desktop and on a phone (reloaded at each width)."""
    for size_name, size in SIZES:
        page.set_viewport_size(size)
        page.reload()
        page.wait_for_load_state("networkidle")
        if size_name == "phone":
            fits_the_phone(page, f"{size_name}-{name}")
        else:
            shoot(page, f"{size_name}-{name}")
        assert_accessible(page, f"{name} ({size_name})")


def test_sign_in_position_movements_and_a_transfer_confirmation(page, live_server, sign_in):
    page.goto(f"{live_server.url}/ingresar/")
    both_sizes(page, "sign-in")
    page.set_viewport_size(DESKTOP)
    sign_in()
    expect(page.get_by_role("heading", name="Posición consolidada")).to_be_visible()
    both_sizes(page, "position")
    page.get_by_role("link", name="Ver movimientos").first.click()
    expect(page.get_by_role("heading", name="Movimientos")).to_be_visible()
    both_sizes(page, "movements")

    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/transferencias/cooprogreso/")
    page.get_by_label("Número de cuenta").fill("410101047711")
    page.get_by_role("button", name="Validar").click()
    expect(page.get_by_test_id("holder")).to_contain_text("Titular:")
    page.get_by_label("Cuenta origen").select_option(index=1)
    page.get_by_label("Monto").fill("25.00")
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_test_id("transfer-summary")).to_contain_text("$ 25.00")
    for size_name, size in SIZES:  # a confirmation is a POST: no reload, only a new width
        page.set_viewport_size(size)
        page.wait_for_timeout(400)  # the page re-centres its menu after a resize (150 ms)
        shoot(page, f"{size_name}-transfer-confirm")
        assert_accessible(page, f"transfer confirm ({size_name})")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def test_an_autorizadors_order_and_a_payroll_uploads_errors(page, live_server, sign_in):
    page.set_viewport_size(DESKTOP)
    sign_in("empingresa01")
    page.goto(f"{live_server.url}/empresa/pagos-masivos/")
    with page.expect_download() as info:
        page.get_by_test_id("download-template").click()
    with open(info.value.path(), "rb") as handle:
        template = handle.read()
    upload(page, "Nómina con errores", filled_template(template, WRONG_CEDULA))
    expect(page.get_by_test_id("row-errors")).to_be_visible()
    for size_name, size in SIZES:  # the upload's answer: no reload, only a new width
        page.set_viewport_size(size)
        page.wait_for_timeout(400)  # the page re-centres its menu after a resize (150 ms)
        shoot(page, f"{size_name}-payroll-errors")
        assert_accessible(page, f"payroll errors ({size_name})")

    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/transferencias/cooprogreso/")
    page.get_by_label("Número de cuenta").fill("410101038642")
    page.get_by_label("Cuenta origen").select_option(index=1)
    page.get_by_label("Monto").fill("48.00")
    page.get_by_label("Descripción (opcional)").fill("Pago proveedor")
    page.get_by_role("button", name="Continuar").click()
    page.get_by_role("button", name="Confirmar").click()
    enter_code(page)
    expect(page.get_by_test_id("order-status")).to_have_text("Pendiente")
    order_url = page.url
    page.get_by_role("button", name="Salir").click()

    sign_in("empautoriza01")
    page.goto(order_url)
    expect(page.get_by_test_id("order")).to_contain_text("Pago proveedor")
    both_sizes(page, "order-for-autorizador")


def test_service_payment_schedule_and_card_payment_screens(page, live_server, sign_in):
    """Pago de servicios (the catalogue and a bill's confirmation), Programar pagos and Pago de
    tarjetas, as sociodemo1 sees them."""
    page.set_viewport_size(DESKTOP)
    sign_in()
    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name="Pago de servicios"
    ).click()
    expect(page.get_by_role("heading", name="Pago de servicios")).to_be_visible()
    both_sizes(page, "services")

    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/pagos/servicio/agua-epmapa-pedernales/")
    origin = page.get_by_label("Cuenta de origen")
    origin.select_option(origin.locator("option", has_text="410101038642").get_attribute("value"))
    page.get_by_label("NUMERO DE CUENTA").fill("1234545")
    page.get_by_role("button", name="Consultar").click()
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_test_id("payment-summary")).to_contain_text("$ 45.50")
    for size_name, size in SIZES:  # a confirmation is a POST: no reload, only a new width
        page.set_viewport_size(size)
        page.wait_for_timeout(400)
        shoot(page, f"{size_name}-service-confirm")
        assert_accessible(page, f"service confirm ({size_name})")

    page.goto(f"{live_server.url}/pagos/programados/")
    expect(page.get_by_test_id("schedule-row").first).to_contain_text("CNEL EP")
    both_sizes(page, "schedules")
    page.goto(f"{live_server.url}/pago-tarjetas/")
    expect(page.get_by_role("heading", name="Pago de tarjetas")).to_be_visible()
    both_sizes(page, "cards")
