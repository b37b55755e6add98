"""A member signs in and looks at everything the foundation offers, clicking as a person would."""

import io
from datetime import date, timedelta

from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from common.formatting import MONTHS_SHORT

SAVINGS = "410101038642"


def pdf_text(path) -> str:
    with open(path, "rb") as handle:
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages)


def test_member_sees_position_hides_amounts_and_browses_movements(sign_in, live_server):
    page = sign_in()
    expect(page.get_by_role("heading", name="Posición consolidada")).to_be_visible()
    expect(page.get_by_test_id("last-sign-in")).to_contain_text("Última conexión:")
    accounts = page.get_by_test_id("accounts")
    expect(accounts).to_contain_text(SAVINGS)
    expect(accounts).to_contain_text("CUENTA DE AHORROS")
    expect(accounts).to_contain_text("INACTIVA")
    expect(page.get_by_test_id("term-deposits")).to_contain_text("0010001")
    expect(page.get_by_test_id("loans")).to_contain_text("CONSUMO AGIL")
    expect(page.get_by_test_id("cards")).to_contain_text("513744XXXXXX5290")
    balance = page.get_by_test_id("available").first.inner_text()
    assert balance.startswith("$ ")

    page.get_by_test_id("toggle-amounts").click()
    expect(page.get_by_test_id("available").first).to_have_text("$ ••••••")
    page.reload()  # remembered
    expect(page.get_by_test_id("available").first).to_have_text("$ ••••••")
    page.get_by_test_id("toggle-amounts").click()
    expect(page.get_by_test_id("available").first).to_have_text(balance)

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("row", name=SAVINGS).get_by_role("button", name="Compartir").click()
    expect(
        page.get_by_role("row", name=SAVINGS).get_by_role("button", name="Copiado ✓")
    ).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert SAVINGS in copied and "ANDRÉS DAVID LÓPEZ MAYA" in copied and "1714307103" in copied

    page.get_by_role("row", name=SAVINGS).get_by_role("link", name="Ver movimientos").click()
    expect(page.get_by_role("heading", name="Movimientos")).to_be_visible()
    expect(page.get_by_test_id("movements").locator("tbody tr").first).to_be_visible()

    page.get_by_label("Mes anterior").check()
    page.get_by_role("button", name="Consultar").click()
    last = date.today().replace(day=1) - timedelta(days=1)
    expect(page.locator("#results")).to_contain_text(
        f"Desde 01/{MONTHS_SHORT[last.month - 1]}/{last.year}"
    )
    assert "periodo=mes_anterior" in page.url  # htmx pushed the filter into the address bar
    dates = page.get_by_test_id("movements").locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert dates and all(f"/{MONTHS_SHORT[last.month - 1]}/{last.year}" in d for d in dates)

    with page.expect_download() as pdf_download:
        page.get_by_test_id("download-pdf").click()
    text = pdf_text(pdf_download.value.path())
    assert SAVINGS in text and "NOTA DE CRÉDITO" in text and "ACREDITACIÓN NÓMINA" in text

    with page.expect_download() as xlsx_download:
        page.get_by_test_id("download-xlsx").click()
    with open(xlsx_download.value.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[3][0] == "Referencia" and len(rows) - 4 == len(dates)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)

    page.get_by_test_id("movements").locator("tbody tr").first.get_by_role("link").click()
    receipt = page.get_by_test_id("receipt")
    expect(receipt).to_contain_text("COMPROBANTE N.º")
    expect(receipt).to_contain_text("Canal")
    with page.expect_download() as receipt_download:
        page.get_by_test_id("print-receipt").click()
    assert "COMPROBANTE N.º" in pdf_text(receipt_download.value.path())
    page.get_by_role("link", name="Cerrar").click()
    expect(receipt).to_have_count(0)


def test_member_downloads_a_monthly_statement(sign_in):
    page = sign_in()
    page.get_by_role("link", name="Estado de cuenta").click()
    page.get_by_label(SAVINGS, exact=False).check()
    last = date.today().replace(day=1) - timedelta(days=1)
    # The last closed month is offered: the current one is not over.
    expect(page.get_by_label("Mes")).to_have_value(f"{last:%Y-%m}")
    with page.expect_download() as download:
        page.get_by_test_id("download-statement").click()
    text = pdf_text(download.value.path())
    assert "ESTADO DE CUENTA" in text and "ANDRÉS DAVID LÓPEZ MAYA" in text and SAVINGS in text
    assert "DETALLE DE MOVIMIENTOS" in text and "SALDO ACTUAL" in text


def test_bad_filter_shows_a_spanish_message(sign_in, live_server):
    page = sign_in()
    page.goto(f"{live_server.url}/cuentas/{SAVINGS}/movimientos/")
    page.get_by_label("Personalizado").check()
    page.get_by_label("Fecha desde").fill("2020-01-01")
    page.get_by_label("Fecha hasta").fill("2020-01-31")
    page.get_by_role("button", name="Consultar").click()
    expect(page.get_by_role("alert")).to_contain_text("12 meses")


def test_phone_layout_and_company_header(sign_in, page):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in("empadmin01")
    expect(page.get_by_text("Empresa: COMERCIAL ANDINA S.A.")).to_be_visible()
    expect(page.get_by_text("Rol: ADMINISTRADOR")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1  # tables become lists of cards on a phone: the page never scrolls sideways
