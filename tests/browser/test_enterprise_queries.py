"""Banca empresas → Consultas: an autorizador finds today's approved order, sees who signed it and
downloads the list."""

import io
from decimal import Decimal

from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.models import Account
from enterprise.models import ApprovalOrder, Operation
from enterprise.services.approvals import order_approve, order_create
from enterprise.services.operations import TRANSFER_MEMBER
from identity.models import User


def approved_order() -> ApprovalOrder:
    """The demo company's ingresador pays a supplier; its autorizador signs the order."""
    maker = User.objects.get(username="empingresa01")
    origin = Account.objects.get(number="410201000017")
    destination = Account.objects.get(number="410101038642")
    order = order_create(
        user=maker,
        operation=Operation.TRANSFER,
        kind=TRANSFER_MEMBER,
        amount=Decimal("48.00"),
        charges=Decimal("0"),
        debit_account=origin,
        payload={"origin": origin.pk, "destination": destination.pk, "amount": "48.00"},
        concept="Pago proveedor de hoy",
    )
    return order_approve(user=User.objects.get(username="empautoriza01"), order_id=order.pk)


def test_autorizador_queries_todays_orders_and_downloads_them(page, live_server, sign_in):
    order = approved_order()
    assert order.status == ApprovalOrder.Status.EXECUTED
    sign_in("empautoriza01")
    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name="Consultas"
    ).click()
    expect(page.get_by_role("heading", name="Consultas")).to_be_visible()

    page.get_by_label("Hoy").check()
    page.get_by_role("button", name="Consultar").click()
    # This one and the demo company's water bill, registered today by its ingresador.
    expect(page.get_by_test_id("query-summary")).to_contain_text("2 operaciones")
    row = page.get_by_test_id("order-row").filter(has_text="Pago proveedor de hoy")
    expect(row).to_contain_text("Aprobada")
    expect(row).to_contain_text("$ 48.00")
    expect(row).to_contain_text("Transferencia Cooprogreso")

    row.get_by_role("link", name="Autorizadores").click()
    dialog = page.locator("#modal").get_by_test_id("approvals")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Lucía Vera")
    expect(dialog).to_contain_text("Aprobó")
    dialog.get_by_role("button", name="Cerrar").click()
    expect(dialog).to_be_hidden()

    with page.expect_download() as info:
        page.get_by_test_id("download-xlsx").click()
    download = info.value
    assert download.suggested_filename.startswith("transacciones_todas_")
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    concepts = [row[6] for row in book.active.iter_rows(values_only=True) if len(row) > 6]
    assert "Pago proveedor de hoy" in concepts

    tabs = page.get_by_test_id("query-tabs")
    tabs.get_by_role("link", name="Transacciones generales – Rechazadas").click()
    expect(page.get_by_text("No hay operaciones con estos filtros.")).to_be_visible()
    expect(page.get_by_label("Hoy")).to_be_checked()
    tabs.get_by_role("link", name="Transacciones generales – Aprobadas").click()
    expect(page.get_by_test_id("order-row")).to_contain_text("Pago proveedor de hoy")
    expect(page).to_have_url(f"{live_server.url}/empresa/consultas/?tab=aprobadas&periodo=hoy")

    # A range over a year: the message shows and the rows already listed stay.
    page.get_by_label("Personalizado").check()
    page.get_by_label("Fecha desde").fill("2020-01-01")
    page.get_by_label("Fecha hasta").fill("2021-06-30")
    page.get_by_role("button", name="Consultar").click()
    expect(page.get_by_test_id("query-errors")).to_have_text(
        "El rango de fechas no puede superar los 12 meses."
    )
    expect(page.get_by_test_id("order-row")).to_contain_text("Pago proveedor de hoy")
