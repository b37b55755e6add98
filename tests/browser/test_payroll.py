"""Registrar pago masivo in Chromium: the ingresador downloads the template, fills it (the test
writes it, as a person would in Excel), uploads it with a wrong cédula and sees the row's error,
uploads it fixed, checks and saves it, and pays every row with a code; the autorizador signs the
order with a code in Autorizar and every member is paid."""

import io
import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from enterprise.models import ApprovalOrder, CompanyUser
from payroll.models import PayrollBatch, PayrollRow
from payroll.services.sheets import DATA_SHEET
from tests.browser.conftest import enter_code
from tests.browser.test_enterprise_journey import approve_first_pending, menu, sign_out
from tests.browser.test_transfers import choose

# Two demo members (seed_demo): cédula, name as the manual asks (no accents, no ñ, except one
# the portal transliterates with a warning), savings account, amount.
MARIA = ("1713175071", "MARIA FERNANDA ONTANEDA RUIZ", "maria.ontaneda@example.com", "410101047711")
HERMEL = ("0923456701", "HERMEL ANTONIO CRETIANA BAJAÑA", "", "410101052203")
WRONG_CEDULA = "0923456702"


def filled_template(template: bytes, hermel_id: str) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    ws = wb[DATA_SHEET]
    entries = [(MARIA, "120.00"), ((hermel_id, *HERMEL[1:]), "95.50")]
    for line, ((cedula, name, email, account), amount) in enumerate(entries, start=2):
        values = [cedula, "Cédula", name, email, account, "Ahorros", float(amount), None, "NO"]
        for column, value in enumerate(values, start=1):
            ws.cell(row=line, column=column, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(page, name: str, content: bytes) -> None:
    page.get_by_label("Nombre o alias").fill(name)
    page.get_by_label("Archivo de la nómina (.xlsx)").set_input_files(
        files=[
            {
                "name": "nomina_enero.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": content,
            }
        ]
    )
    page.get_by_role("button", name="Cargar nómina").click()


def test_ingresador_uploads_fixes_saves_and_pays_and_autorizador_signs(page, live_server, sign_in):
    sign_in("empingresa01")
    menu(page, "Pagos masivos")
    expect(page.get_by_role("heading", name="Pagos masivos")).to_be_visible()
    expect(page.get_by_test_id("upload-limits")).to_contain_text("50,000 filas")

    with page.expect_download() as info:
        page.get_by_test_id("download-template").click()
    download = info.value
    assert download.suggested_filename == "plantilla_pago_masivo.xlsx"
    with open(download.path(), "rb") as handle:
        template = handle.read()

    # First with a wrong cédula: the row's error, with its line and column.
    upload(page, "Nómina enero", filled_template(template, WRONG_CEDULA))
    errors = page.get_by_test_id("row-errors")
    expect(errors).to_be_visible()
    line3 = errors.get_by_role("row").filter(has_text="La cédula no es válida")
    expect(line3).to_have_count(1)
    expect(line3).to_contain_text("3")
    expect(line3).to_contain_text("Identificación")
    expect(page.get_by_test_id("import-errors")).to_contain_text(
        "Si el archivo se encuentra incorrecto no se podrá cargar."
    )
    page.get_by_role("link", name="Subir la plantilla corregida").click()

    # Fixed: "Visualizar plantilla" with the transliteration warning, then "Guardar".
    upload(page, "Nómina enero", filled_template(template, HERMEL[0]))
    expect(page.get_by_role("heading", name="Visualizar plantilla")).to_be_visible()
    expect(page.get_by_test_id("rows-count")).to_have_text("2")
    expect(page.get_by_test_id("batch-total")).to_have_text("$ 215.50")
    rows = page.get_by_test_id("valid-rows")
    expect(rows).to_contain_text("HERMEL ANTONIO CRETIANA BAJANA")
    expect(rows).to_contain_text("Se reemplazaron tildes o ñ")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_text("Nómina «Nómina enero» guardada.")).to_be_visible()

    # The list has it; back to its detail, everything selected, "Pagar".
    menu(page, "Pagos masivos")
    batch = PayrollBatch.objects.get(status=PayrollBatch.Status.SAVED)
    row = page.locator(f"#batch-{batch.pk}")
    expect(row).to_contain_text("Nómina enero")
    expect(row).not_to_contain_text(str(batch.pk))  # the internal id is no one's business
    row.get_by_role("link", name="Ver detalle").click()
    page.get_by_placeholder(re.compile("Buscar por Identificación")).fill("ONTANEDA")
    expect(page.get_by_test_id("payroll-row")).to_have_count(1)
    page.get_by_placeholder(re.compile("Buscar por Identificación")).fill("")
    expect(page.get_by_test_id("payroll-row")).to_have_count(2)
    page.get_by_label("Seleccionar todo").check()
    for box in page.get_by_test_id("batch-rows").get_by_role("checkbox").all():
        expect(box).to_be_checked()
    page.get_by_role("button", name="Pagar").click()

    expect(page.get_by_test_id("pay-count")).to_have_text("2")
    expect(page.get_by_test_id("pay-debit")).to_have_text("$ 215.50")
    choose(page, "Cuenta a debitar", "410201000017")
    page.get_by_label("Motivo").fill("Sueldos enero")
    page.get_by_test_id("pay-form").get_by_role("button", name="Pagar").click()
    enter_code(page)
    expect(page.get_by_text(re.compile(r"Orden N\.º \d+ registrada"))).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Pendiente")
    order = ApprovalOrder.objects.get(concept="Sueldos enero")
    assert set(batch.rows.values_list("payment", flat=True)) == {PayrollRow.Payment.PENDING}
    sign_out(page)

    sign_in("empautoriza01")
    approve_first_pending(page, "Sueldos enero", "Orden autorizada y ejecutada.")
    expect(page.get_by_test_id("order-status")).to_have_text("Aprobada")
    order.refresh_from_db()
    assert order.status == ApprovalOrder.Status.EXECUTED
    assert set(batch.rows.values_list("payment", flat=True)) == {PayrollRow.Payment.PAID}

    # Consultas: every row PAGADO, and who authorized it.
    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name="Consultas"
    ).click()
    page.get_by_label("Hoy").check()
    page.get_by_role("button", name="Consultar").click()
    row = page.get_by_test_id("order-row").filter(has_text="Sueldos enero")
    expect(row).to_contain_text("Pago masivo")
    expect(row).to_contain_text("Aprobada")
    row.get_by_role("link", name="Beneficiarios").click()
    beneficiaries = page.locator("#modal")
    expect(beneficiaries).to_contain_text("HERMEL ANTONIO CRETIANA BAJANA")
    expect(beneficiaries.get_by_text("Pagado")).to_have_count(2)
    beneficiaries.get_by_role("button", name="Cerrar").click()
    row.get_by_role("link", name="Autorizadores").click()
    expect(page.locator("#modal").get_by_test_id("approvals")).to_contain_text("Lucía Vera")


def test_progress_polls_until_done_and_the_list_renames_and_deletes_in_place(
    page, live_server, sign_in
):
    sign_in("empingresa01")
    maker = CompanyUser.objects.select_related("company", "user").get(user__username="empingresa01")
    company = maker.company
    maker = maker.user
    batch = PayrollBatch.objects.create(
        company=company, name="Proveedores", created_by=maker, rows_read=10
    )
    page.goto(f"{live_server.url}/empresa/pagos-masivos/{batch.pk}/importacion/")
    progress = page.get_by_test_id("import-progress")
    expect(progress).to_contain_text("10 filas leídas")
    PayrollBatch.objects.filter(pk=batch.pk).update(rows_read=40)
    expect(progress).to_contain_text("40 filas leídas")
    PayrollBatch.objects.filter(pk=batch.pk).update(status=PayrollBatch.Status.VALID)
    expect(page.get_by_role("heading", name="Visualizar plantilla")).to_be_visible()
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_text("Nómina «Proveedores» guardada.")).to_be_visible()

    menu(page, "Pagos masivos")
    row = page.locator(f"#batch-{batch.pk}")
    row.get_by_role("link", name="Editar").click()
    row.get_by_label("Nombre detalle de pago").fill("PAGO ENERO")
    row.get_by_role("button", name="Guardar").click()
    expect(row.get_by_test_id("batch-name")).to_have_text("PAGO ENERO")

    row.get_by_role("link", name="Eliminar").click()
    dialog = page.get_by_test_id("delete-dialog")
    expect(dialog).to_contain_text("¿Estás seguro de continuar con esta acción?")
    dialog.get_by_role("button", name="Sí, eliminar").click()
    expect(page.get_by_text("Nómina «PAGO ENERO» eliminada.")).to_be_visible()
    expect(page.locator(f"#batch-{batch.pk}")).to_have_count(0)
