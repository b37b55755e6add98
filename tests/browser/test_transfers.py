"""Transfers as a member clicks through them in Chromium: own accounts, another member,
another bank (code read from the development outbox), beneficiaries, limits."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import enter_code

OTHER_MEMBER_ACCOUNT = "410101047711"  # sociodemo2's savings


def choose(page, label, text):
    """Picks the option of the select labelled ``label`` whose text contains ``text``."""
    select = page.get_by_label(label)
    value = select.locator("option", has_text=text).first.get_attribute("value")
    select.select_option(value)


def go_to(page, live_server, link):
    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name="Transferencias"
    ).click()
    page.get_by_role("link", name=link).click()


def test_own_accounts_transfer_and_pdf_receipt(page, live_server, sign_in):
    sign_in()
    go_to(page, live_server, "Transferencia a mis cuentas")
    choose(page, "Cuenta origen", "410101038642")
    choose(page, "Cuenta destino", "410101038650")
    page.get_by_label("Monto").fill("12.50")
    page.get_by_label("Descripción (opcional)").fill("Ahorro")
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_text("Verifica que todos los datos estén correctos")).to_be_visible()
    expect(page.get_by_test_id("transfer-summary")).to_contain_text("$ 12.50")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_role("heading", name="¡Transferencia exitosa!")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Imprimir").click()
    assert download.value.suggested_filename.endswith(".pdf")


def test_member_transfer_with_validar_and_code(page, live_server, sign_in):
    sign_in()
    go_to(page, live_server, "Transferencia Cooprogreso")
    page.get_by_label("Número de cuenta").fill(OTHER_MEMBER_ACCOUNT)
    page.get_by_role("button", name="Validar").click()
    # sociodemo2 is MARÍA FERNANDA ONTANEDA RUIZ: shown masked, before and after "Continuar".
    expect(page.get_by_test_id("holder")).to_have_text("Titular: MAR** FER***** ONT***** RUI*")
    page.get_by_label("Correo electrónico (opcional)").fill("maria@example.com")
    page.get_by_label("Guardar beneficiario").check()
    page.get_by_label("Alias (opcional)").fill("María")
    choose(page, "Cuenta origen", "410101038642")
    page.get_by_label("Monto").fill("20.00")
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_test_id("transfer-summary")).to_contain_text("$ 20.00")
    expect(page.get_by_test_id("transfer-summary")).to_contain_text("MAR** FER***** ONT***** RUI*")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_test_id("otp-dialog")).to_contain_text("transferir $ 20.00")
    enter_code(page)
    expect(page.get_by_role("heading", name="¡Transferencia exitosa!")).to_be_visible()
    expect(page.get_by_test_id("transfer-receipt")).to_contain_text("Comprobante N.º")

    # The saved beneficiary: edit its alias and then delete it, each with a code.
    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name="Administrar beneficiarios"
    ).click()
    expect(page.get_by_test_id("beneficiaries")).to_contain_text("María")
    page.get_by_role("link", name="Editar").click()
    page.get_by_label("Alias").fill("María Ontaneda")
    page.get_by_role("button", name="Confirmar").click()
    enter_code(page)
    expect(page.get_by_text("Beneficiario actualizado")).to_be_visible()
    expect(page.get_by_test_id("beneficiaries")).to_contain_text("María Ontaneda")
    page.get_by_role("link", name="Eliminar").click()
    page.get_by_role("button", name="Sí, eliminar").click()
    enter_code(page)
    expect(page.get_by_text("Beneficiario eliminado")).to_be_visible()
    expect(page.get_by_test_id("beneficiaries")).not_to_contain_text("María Ontaneda")


def test_interbank_transfer_with_fee_and_code(page, live_server, sign_in):
    sign_in()
    go_to(page, live_server, "Transferencias interbancarias")
    page.get_by_label("Institución financiera").select_option(label="BANCO INTERNACIONAL S.A.")
    page.get_by_label("Tipo de cuenta").select_option(label="Ahorros")
    page.get_by_label("Número de cuenta").fill("2200123456")
    page.get_by_label("Nombre del titular").fill("Fanny Ontaneda")
    page.get_by_label("Tipo de identificación").select_option(label="Cédula")
    page.get_by_label("Identificación", exact=True).fill("1710034065")
    choose(page, "Cuenta origen", "410101038642")
    page.get_by_label("Monto").fill("30.00")
    page.get_by_role("button", name="Continuar").click()
    summary = page.get_by_test_id("transfer-summary")
    expect(summary).to_contain_text("$ 0.36")
    expect(summary).to_contain_text("$ 0.05")
    expect(summary).to_contain_text("$ 30.41")
    page.get_by_role("button", name="Confirmar").click()
    enter_code(page)
    expect(page.get_by_role("heading", name=re.compile("Transferencia"))).to_be_visible()
    expect(page.get_by_test_id("transfer-receipt")).to_contain_text("BANCO INTERNACIONAL S.A.")


def test_limits_personalisation(page, live_server, sign_in):
    sign_in()
    page.goto(f"{live_server.url}/transferencias/cupos/")
    page.get_by_label("Transferencias a otros socios · Diario").fill("250.00")
    page.get_by_role("button", name="Guardar").click()
    enter_code(page)
    expect(page.get_by_text("Cupos actualizados")).to_be_visible()
    expect(page.get_by_label("Transferencias a otros socios · Diario")).to_have_value("250.00")
