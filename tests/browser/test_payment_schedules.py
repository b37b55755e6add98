"""Programar pagos in Chromium: a member schedules a water bill (category, then service, then
its reference field, Monto máximo, Fecha indefinida, the terms, the code), the beat task runs
(called here) and the bill shows paid; a second schedule with a lower maximum is refused
above it, and the e-mail saying why is written."""

from playwright.sync_api import expect

from tests.auth import sent_body
from tests.browser.conftest import enter_code

ABOVE_SUBJECT = "Pago programado no realizado: la factura supera el monto máximo"


def htmx_settled(page) -> None:
    """htmx has swapped and settled (a person does not pick the next option within the 20 ms
    the new select takes to be wired)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, "
        ".htmx-added')"
    )


def schedule_water_bill(page, live_server, reference: str, maximum: str) -> None:
    page.goto(f"{live_server.url}/pagos/programados/")
    page.get_by_role("link", name="Programar nuevo pago").click()
    origin = page.get_by_label("Cuenta de débito")
    origin.select_option(index=1)
    page.get_by_label("Categoría").select_option(label="Agua")
    # htmx: the services of the category, then the fields of the service.
    expect(page.get_by_label("Servicio")).to_contain_text("AGUA EPMAPA PEDERNALES")
    htmx_settled(page)
    page.get_by_label("Servicio").select_option(label="AGUA EPMAPA PEDERNALES")
    page.get_by_label("NUMERO DE CUENTA").fill(reference)
    page.get_by_label("Monto máximo").fill(maximum)
    expect(page.get_by_test_id("max-reminder")).to_contain_text(
        "si la factura es mayor al valor establecido en el campo Monto máximo"
    )
    page.get_by_label("Fecha indefinida").check()
    expect(page.get_by_test_id("terms")).to_contain_text("falta de fondos")
    page.get_by_label("Acepto los Términos y Condiciones").check()
    page.get_by_role("button", name="Programar pago").click()
    expect(page.get_by_test_id("otp-dialog")).to_contain_text("programar el pago")
    enter_code(page)
    expect(page.get_by_role("heading", name="¡Pago programado con éxito!")).to_be_visible()
    expect(page.get_by_test_id("schedule-done")).to_contain_text(reference)


def test_a_scheduled_payment_is_paid_and_one_above_its_maximum_is_refused(
    page, live_server, sign_in, settings, tmp_path
):
    from payments.models import ScheduleRun
    from payments.services.catalogue import demo_catalogue_ensure
    from payments.services.schedules_run import schedules_run_due

    settings.VAR_DIR = tmp_path / "var"
    demo_catalogue_ensure()
    sign_in()
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    schedule_water_bill(page, live_server, "41515173", "100.00")
    schedule_water_bill(page, live_server, "41515140", "10.00")

    page.get_by_role("link", name="Regresar").click()
    rows = page.get_by_test_id("schedule-row")
    expect(rows.filter(has_text="41515173")).to_contain_text("Activo")
    expect(rows.filter(has_text="41515140")).to_contain_text("$ 10.00")

    # The beat task's pass (the demo data's own schedule may be due too).
    schedules_run_due()
    outcomes = dict(ScheduleRun.objects.values_list("schedule__reference", "outcome"))
    assert outcomes["41515173"] == "PAGADO" and outcomes["41515140"] == "SUPERA_MAXIMO"

    page.goto(f"{live_server.url}/pagos/historial/")
    expect(page.get_by_text("41515173").first).to_be_visible()
    expect(page.get_by_text("$ 73.85").first).to_be_visible()  # $ 73.50 + $ 0.30 + IVA

    page.goto(f"{live_server.url}/pagos/programados/")
    page.get_by_role("link", name="Historial AGUA EPMAPA PEDERNALES 41515140").click()
    expect(page.get_by_test_id("schedule-runs")).to_contain_text("Factura mayor al monto máximo")
    expect(page.get_by_test_id("schedule-runs")).to_contain_text("$ 40.50")
    body = sent_body(subject=ABOVE_SUBJECT)
    assert "$ 40.50" in body and "monto máximo de $ 10.00" in body

    page.goto(f"{live_server.url}/pagos/programados/")
    page.get_by_role("link", name="Historial AGUA EPMAPA PEDERNALES 41515173").click()
    expect(page.get_by_test_id("schedule-runs")).to_contain_text("Pagado")
