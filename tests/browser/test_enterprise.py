"""Banca empresas: an ingresador's transfer waits; the autorizador signs it with a code."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import enter_code
from tests.browser.test_transfers import choose


def test_ingresador_registers_and_autorizador_approves(
    page, live_server, sign_in, without_demo_orders
):
    sign_in("empingresa01")
    expect(page.get_by_text("Rol: INGRESADOR")).to_be_visible()
    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name="Transferencias"
    ).click()
    page.get_by_role("link", name="Transferencia Cooprogreso").click()
    page.get_by_label("Número de cuenta").fill("410101038642")
    choose(page, "Cuenta origen", "410201000017")
    page.get_by_label("Monto").fill("48.00")
    page.get_by_label("Descripción (opcional)").fill("Pago proveedor")
    page.get_by_role("button", name="Continuar").click()
    page.get_by_role("button", name="Confirmar").click()
    enter_code(page)
    expect(page.get_by_text(re.compile(r"Orden N\.º \d+ registrada"))).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Pendiente")
    page.get_by_role("button", name="Salir").click()

    sign_in("empautoriza01")
    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name="Autorizar"
    ).click()
    expect(page.get_by_test_id("pending-orders")).to_contain_text("Pago proveedor")
    page.get_by_role("link", name="Autorizar", exact=True).last.click()
    # Whom the money goes to, before the code: the payee's masked name and account.
    expect(page.get_by_test_id("order-question")).to_have_text(
        re.compile(
            r"^¿Autorizas la transferencia de \$ 48\.00 a .+ \(Cooprogreso, cuenta \*+8642\)\?$"
        )
    )
    page.get_by_role("button", name="Sí, autorizar").click()
    enter_code(page)
    expect(page.get_by_text("Orden autorizada y ejecutada.")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Aprobada")
    expect(page.get_by_test_id("order-approvals")).to_contain_text("Aprobó")
