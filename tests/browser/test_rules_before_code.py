"""What each person must see before they act, in Chromium: an ingresador is told the new-payee
cap on the form (amount and payee kept), corrects it, and the verify page says the order will
wait for the company's signatures; a member adds a «Nuevo beneficiario» with a code; the
transfer form fits a 390 px phone."""

from playwright.sync_api import expect

from tests.browser.conftest import enter_code
from tests.browser.test_transfers import choose

SOCIO_ACCOUNT = "410101038642"  # sociodemo1's savings: a new payee for the company
NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


def menu(page, name):
    page.get_by_role("navigation", name="Menú principal").get_by_role("link", name=name).click()


def test_an_ingresador_is_told_the_cap_on_the_form_and_that_the_order_waits(
    page, live_server, sign_in
):
    sign_in("empingresa01")
    menu(page, "Transferencias")
    page.get_by_role("link", name="Transferencia Cooprogreso").click()
    hints = page.get_by_test_id("form-hints")
    expect(hints).to_contain_text("Cupo diario restante de tu empresa: $")
    expect(hints).to_contain_text("cada pago puede ser de máximo $ 500.00")
    page.get_by_label("Número de cuenta").fill(SOCIO_ACCOUNT)
    choose(page, "Cuenta origen", "410201000017")
    page.get_by_label("Monto").fill("900.00")
    page.get_by_label("Descripción (opcional)").fill("Anticipo")
    page.get_by_role("button", name="Continuar").click()

    # Refused on the form, with the cap; what was typed is still there, and no code was asked.
    form = page.get_by_test_id("transfer-form")
    expect(form).to_contain_text("Cuenta nueva: cada pago puede ser de máximo $ 500.00")
    expect(page.get_by_label("Monto")).to_have_value("900.00")
    expect(page.get_by_label("Número de cuenta")).to_have_value(SOCIO_ACCOUNT)
    expect(page.get_by_label("Descripción (opcional)")).to_have_value("Anticipo")
    expect(page.get_by_test_id("otp-dialog")).to_have_count(0)

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(NO_OVERFLOW)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_label("Monto").fill("400.00")
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_text("Verifica que todos los datos estén correctos")).to_be_visible()
    expect(page.get_by_test_id("waits-for")).to_contain_text(
        "La orden quedará pendiente de las firmas de tu empresa: A."
    )
    expect(page.get_by_text("Se procesará")).to_have_count(0)
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_test_id("otp-dialog")).to_contain_text(
        "quedará pendiente de las firmas de tu empresa: A"
    )
    enter_code(page)
    expect(page.get_by_text("queda pendiente de autorización")).to_be_visible()


def test_a_member_adds_a_nuevo_beneficiario_with_the_code(page, live_server, sign_in):
    sign_in()
    menu(page, "Administrar beneficiarios")
    page.get_by_role("link", name="Otros bancos").click()
    page.get_by_test_id("new-beneficiary").click()
    expect(page.get_by_role("heading", name="Nuevo beneficiario")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(NO_OVERFLOW)
    page.get_by_label("Institución financiera").select_option(label="BANCO INTERNACIONAL S.A.")
    page.get_by_label("Tipo de cuenta").select_option(label="Ahorros")
    page.get_by_label("Número de cuenta").fill("2200123456")
    page.get_by_label("Nombre del titular").fill("Rosa Chávez")
    page.get_by_label("Tipo de identificación").select_option(label="Cédula")
    page.get_by_label("Identificación", exact=True).fill("1710034066")
    page.get_by_label("Alias (opcional)").fill("Rosa")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_text("La cédula no es válida: revisa los 10 dígitos.")).to_be_visible()
    expect(page.get_by_label("Nombre del titular")).to_have_value("Rosa Chávez")
    page.get_by_label("Identificación", exact=True).fill("1710034065")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_test_id("otp-dialog")).to_contain_text(
        "guardar a ROSA ****3456 como beneficiario"
    )
    enter_code(page)
    expect(page.get_by_text("Beneficiario guardado")).to_be_visible()
    listing = page.get_by_test_id("beneficiaries")
    expect(listing).to_contain_text("ROSA CHÁVEZ")
    expect(listing.get_by_test_id("payee-waiting")).to_have_count(0)  # a member's: usable now
    assert page.evaluate(NO_OVERFLOW)


def test_the_transfer_form_with_its_hints_fits_a_phone(page, live_server, sign_in):
    sign_in()
    page.set_viewport_size({"width": 390, "height": 844})
    for url in ("/transferencias/cooprogreso/", "/transferencias/interbancarias/"):
        page.goto(f"{live_server.url}{url}")
        expect(page.get_by_test_id("form-hints")).to_contain_text("Tu cupo diario restante es $")
        page.get_by_role("button", name="Continuar").click()
        expect(page.get_by_test_id("transfer-form")).to_be_visible()
        assert page.evaluate(NO_OVERFLOW), url
