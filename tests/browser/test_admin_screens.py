"""The company administrator's screens in Chromium: signature rules chosen among the company's
levels (a level nobody active holds is refused, and the form keeps what was chosen), then
Auditoría in words, filtered and downloaded as XLSX, and read on a 390 px phone."""

import io
import re
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import enter_code

EMPTY_B = (
    "No hay ningún autorizador activo con nivel B: asigna el nivel a un usuario antes de "
    "usarlo en una regla."
)


def menu(page, name):
    page.get_by_role("navigation", name="Menú principal").get_by_role("link", name=name).click()


def rule(page, n):
    return page.get_by_role("group", name=f"Firmas (regla {n})")


def test_admin_sets_rules_among_levels_and_reads_the_audit(page, live_server, sign_in):
    sign_in("empadmin01")
    menu(page, "Niveles de firma")
    page.get_by_role("link", name="Agregar nivel").click()
    page.get_by_label("Motivo").fill("Segundo nivel para montos altos")
    page.get_by_role("button", name="Agregar nivel").click()
    enter_code(page)
    expect(page.get_by_text("Nivel B agregado.")).to_be_visible()
    expect(page.get_by_test_id("level-rows")).to_contain_text("sin autorizador activo")

    page.get_by_role("link", name="Editar reglas de Pagos masivos").click()
    # The levels are ticked, not typed: A, and B (which nobody active holds yet).
    expect(rule(page, 1).get_by_role("checkbox")).to_have_count(2)
    expect(page.locator("input[type=text][name^=signatures]")).to_have_count(0)
    page.get_by_label("Hasta $ (regla 1)").fill("500")
    rule(page, 1).get_by_label("Nivel A").check()
    rule(page, 2).get_by_label("Nivel A").check()
    rule(page, 2).get_by_label("Nivel B (sin autorizador activo)").check()
    page.get_by_label("Motivo").fill("Montos altos con dos firmas")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_test_id("rules-errors")).to_have_text(EMPTY_B)
    expect(page.get_by_label("Dígito 1")).to_have_count(0)  # no code was sent
    # What was chosen is still there.
    expect(page.get_by_label("Hasta $ (regla 1)")).to_have_value("500")
    expect(rule(page, 1).get_by_label("Nivel A")).to_be_checked()
    expect(rule(page, 2).get_by_label("Nivel B (sin autorizador activo)")).to_be_checked()
    expect(page.get_by_label("Motivo")).to_have_value("Montos altos con dos firmas")

    rule(page, 2).get_by_label("Nivel B (sin autorizador activo)").uncheck()
    page.get_by_role("button", name="Confirmar").click()
    enter_code(page)
    expect(page.get_by_text("Reglas de firmas actualizadas.")).to_be_visible()
    rules = page.get_by_test_id("rule-PAGO_MASIVO")
    expect(rules).to_contain_text("Hasta $ 500.00: una firma de nivel A.")
    expect(rules).to_contain_text("Más de $ 500.00: una firma de nivel A.")

    menu(page, "Gestión de usuarios")
    page.get_by_role("link", name="Auditoría").click()
    audit = page.get_by_test_id("audit-events")
    expect(audit).to_contain_text("Cambió las reglas de firmas de Pagos masivos")
    expect(audit).to_contain_text("Agregó el nivel de firma B")
    expect(audit).to_contain_text("Reglas: — → hasta $ 500.00: A; el resto: A")
    expect(audit).not_to_contain_text("company.")
    expect(audit).not_to_contain_text("PAGO_MASIVO")

    page.get_by_label("Tipo de acción").select_option(label="Agregar nivel de firma")
    page.get_by_label("Usuario", exact=True).select_option(label="Martha Salazar")
    page.get_by_role("button", name="Consultar").click()
    expect(page.get_by_test_id("audit-row")).to_have_count(1)
    expect(audit).to_contain_text("Segundo nivel para montos altos")
    expect(page.get_by_test_id("audit-summary")).to_contain_text("Acción: Agregar nivel de firma")

    with page.expect_download() as download:
        page.get_by_test_id("audit-xlsx").click()
    assert re.fullmatch(r"auditoria_\d{8}_\d{8}\.xlsx", download.value.suggested_filename)
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = [row for row in sheet.iter_rows() if isinstance(row[0].value, datetime)]
    assert len(rows) == 1
    assert rows[0][0].number_format == "dd/mm/yyyy hh:mm"
    assert [c.value for c in rows[0][1:4]] == [
        "Agregar nivel de firma",
        "Agregó el nivel de firma B",
        "Martha Salazar",
    ]

    # On a phone the rows are cards: date and action first, nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_label("Tipo de acción").select_option(label="Todas")
    page.get_by_role("button", name="Consultar").click()
    expect(page.get_by_test_id("audit-row").first).to_be_visible()
    first = page.get_by_test_id("audit-row").first.locator("td")
    expect(first.nth(0)).to_have_attribute("data-label", "Fecha")
    expect(first.nth(1)).to_have_attribute("data-label", "Acción")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.get_by_test_id("audit-row").first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
