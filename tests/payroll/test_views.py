"""Registrar pago masivo by HTTP: who may reach it, the template, the upload and its import page,
saving, the list (rename, delete), the detail's search and paying rows with a code."""

import io
import re
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from enterprise.models import ApprovalOrder, Company, CompanyRole, CompanyUser
from identity.models import Member
from payroll import tasks
from payroll.models import PayrollBatch, PayrollRow
from payroll.services.sheets import HEADERS
from tests.auth import code_sent, sign_in
from tests.factories import AccountFactory, MemberFactory, UserFactory, deposit
from transfers.models import Institution

pytestmark = pytest.mark.django_db

Status = PayrollBatch.Status
Payment = PayrollRow.Payment
HTMX = {"HTTP_HX_REQUEST": "true"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
needs_import_task = pytest.mark.skipif(
    not hasattr(tasks, "payroll_import"), reason="payroll.tasks.payroll_import aún no existe"
)


def client_for(user) -> Client:
    client = Client()
    sign_in(client, user.username)
    return client


def with_code(client, url, data):
    dialog = client.post(url, data).content.decode()
    assert 'name="otp_digit"' in dialog, dialog[:800]
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    return client.post(
        url, {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code_sent()}
    )


def batch_of(company, *, status=Status.SAVED, name="Nómina noviembre", **fields):
    return PayrollBatch.objects.create(
        company=company, name=name, status=status, created_by=company.maker, **fields
    )


def member_row(batch, line, amount, **fields):
    account = AccountFactory()
    deposit(account, "1.00")
    return PayrollRow.objects.create(
        batch=batch,
        line=line,
        identification=account.owner.identification,
        id_type="CEDULA",
        name=account.owner.full_name.upper(),
        email=f"fila{line}@example.com",
        account_number=account.number,
        account_type="AHORROS",
        amount=Decimal(amount),
        account=account,
        **fields,
    )


def interbank_row(batch, line, amount):
    bank = Institution.objects.filter(active=True, is_self=False).order_by("code").first()
    return PayrollRow.objects.create(
        batch=batch,
        line=line,
        identification="1710034065",
        id_type="CEDULA",
        name="FANNY ONTANEDA",
        account_number="2200123456",
        account_type="AHORROS",
        amount=Decimal(amount),
        institution=bank,
        interbank=True,
    )


@pytest.fixture
def saved(company):
    """A saved batch: two members of the cooperative and one account of another bank."""
    batch = batch_of(company, rows_count=3, total=Decimal("730.50"))
    member_row(batch, 2, "450.00")
    member_row(batch, 3, "80.50")
    interbank_row(batch, 4, "200.00")
    return batch


@pytest.fixture
def maker(company):
    return client_for(company.maker)


@pytest.fixture
def other_company(db):
    member = MemberFactory(kind=Member.Kind.COMPANY, identification="0990004196001")
    other = Company.objects.create(member=member, name="IMPORTADORA COSTA S.A.")
    other.account = AccountFactory(owner=member)
    other.maker = UserFactory(customer=member, email="ingresa@costa.example")
    CompanyUser.objects.create(user=other.maker, company=other, role=CompanyRole.MAKER)
    return other


def xlsx(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload_file(content: bytes, name="nomina.xlsx"):
    return SimpleUploadedFile(name, content, content_type=XLSX)


# --- Who may -------------------------------------------------------------------------------


def test_it_is_for_company_users_with_the_bulk_payment_service(company, maker):
    page = maker.get("/empresa/pagos-masivos/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Pagos masivos" in html and 'href="/empresa/pagos-masivos/"' in html

    approver = client_for(company.approver_a)  # an autorizador has no such service
    assert approver.get("/empresa/pagos-masivos/").status_code == 403
    assert (
        'href="/empresa/pagos-masivos/"' not in approver.get("/empresa/autorizar/").content.decode()
    )

    retail = Client()
    sign_in(retail, UserFactory().username)
    response = retail.get("/empresa/pagos-masivos/")
    assert response.status_code == 403
    assert "Esta opción es de la banca empresas." in response.content.decode()

    CompanyUser.objects.filter(user=company.maker).update(services=["POSICION"])
    assert maker.get("/empresa/pagos-masivos/").status_code == 403
    assert maker.get("/empresa/pagos-masivos/plantilla/").status_code == 403

    anonymous = Client().get("/empresa/pagos-masivos/")
    assert anonymous.status_code == 302 and "/ingresar/" in anonymous["Location"]


def test_another_companys_batch_is_a_404(saved, other_company):
    outsider = client_for(other_company.maker)
    base = f"/empresa/pagos-masivos/{saved.pk}"
    for url in ("/", "/importacion/", "/editar/", "/fila/", "/eliminar/", "/pagar/?todos=1"):
        assert outsider.get(base + url).status_code == 404, url
    for url in ("/guardar/", "/editar/", "/eliminar/", "/pagar/"):
        assert outsider.post(base + url, {"name": "Mía", "rows": "todos"}).status_code == 404, url
    saved.refresh_from_db()
    assert saved.name == "Nómina noviembre" and saved.deleted_at is None
    assert not ApprovalOrder.objects.exists()


def test_a_deleted_batch_is_a_404(company, maker, saved):
    PayrollBatch.objects.filter(pk=saved.pk).update(deleted_at="2026-01-01T00:00:00Z")
    assert maker.get(f"/empresa/pagos-masivos/{saved.pk}/").status_code == 404
    assert maker.get(f"/empresa/pagos-masivos/{uuid.uuid4()}/").status_code == 404


def test_it_rejects_the_wrong_method(maker, saved):
    assert maker.post("/empresa/pagos-masivos/").status_code == 405
    assert maker.get("/empresa/pagos-masivos/cargar/").status_code == 405
    assert maker.get(f"/empresa/pagos-masivos/{saved.pk}/guardar/").status_code == 405
    assert maker.post(f"/empresa/pagos-masivos/{saved.pk}/").status_code == 405
    assert maker.put(f"/empresa/pagos-masivos/{saved.pk}/eliminar/").status_code == 405


# --- Template and upload ---------------------------------------------------------------------


def test_the_template_downloads_as_an_xlsx_with_the_columns(maker):
    response = maker.get("/empresa/pagos-masivos/plantilla/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="plantilla_pago_masivo.xlsx"'
    wb = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb.worksheets[0][1]] == HEADERS


def test_the_page_states_the_limits(maker, settings):
    html = maker.get("/empresa/pagos-masivos/").content.decode()
    assert "extensión .xlsx" in html
    assert "Tamaño máximo 10 MB y hasta 50,000 filas." in html
    assert 'accept=".xlsx' in html
    assert "Si el archivo se encuentra incorrecto no se podrá cargar." in html


def test_upload_errors_are_said_in_spanish_and_nothing_is_saved(maker, settings):
    html = maker.post("/empresa/pagos-masivos/cargar/", {}).content.decode()
    assert "Ingresa un nombre o alias para la nómina." in html
    assert "Elige el archivo de la nómina." in html

    csv = SimpleUploadedFile("nomina.csv", b"a;b;c\n", content_type="text/csv")
    html = maker.post("/empresa/pagos-masivos/cargar/", {"name": "Enero", "file": csv})
    assert "Solo se admiten archivos .xlsx" in html.content.decode()

    settings.PAYROLL_MAX_BYTES = 100
    big = upload_file(xlsx([]))
    html = maker.post("/empresa/pagos-masivos/cargar/", {"name": "Enero", "file": big})
    assert "El archivo supera el tamaño máximo de" in html.content.decode()
    assert not PayrollBatch.objects.exists()


def test_batch_create_refusals_reach_the_page(maker, monkeypatch):
    from payroll.services.batches import PayrollError
    from payroll.views import batches as views

    def refuse(**kwargs):
        raise PayrollError("El archivo supera el máximo de 10 MB.")

    monkeypatch.setattr(views, "batch_create", refuse)
    response = maker.post(
        "/empresa/pagos-masivos/cargar/", {"name": "Enero", "file": upload_file(xlsx([]))}
    )
    assert response.status_code == 200
    assert "El archivo supera el máximo de 10 MB." in response.content.decode()


@needs_import_task
def test_an_upload_is_imported_and_its_row_errors_shown_all_at_once(
    company, maker, django_capture_on_commit_callbacks
):
    rows = [
        (
            "1713175072",
            "Cédula",
            "MARIA PEREZ",
            "no-es-email",
            "410101047711",
            "Ahorros",
            10,
            "",
            "NO",
        ),
        ("1713175071", "Cédula", "MARIA PEREZ", "maria@example.com", "", "Ahorros", -5, "", "NO"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = maker.post(
            "/empresa/pagos-masivos/cargar/",
            {"name": "Enero", "file": upload_file(xlsx(rows))},
        )
    batch = PayrollBatch.objects.get()
    assert response["Location"] == f"/empresa/pagos-masivos/{batch.pk}/importacion/"
    assert batch.status == Status.INVALID and batch.company == company
    html = maker.get(response["Location"]).content.decode()
    assert "Si el archivo se encuentra incorrecto no se podrá cargar." in html
    table = html.split('data-testid="row-errors"')[1]
    assert table.count('class="row-error"') >= 4  # every problem of both rows
    assert '<td class="num">2</td>' in table and '<td class="num">3</td>' in table
    assert maker.post(f"/empresa/pagos-masivos/{batch.pk}/guardar/").status_code == 302
    batch.refresh_from_db()
    assert batch.status == Status.INVALID


@needs_import_task
def test_a_valid_upload_is_shown_with_its_warnings_then_saved(
    company, maker, django_capture_on_commit_callbacks
):
    account = AccountFactory()
    owner = account.owner
    rows = [
        (owner.identification, "Cédula", "JOSÉ PEÑA", "", account.number, "Ahorros", 25.5, "", "NO")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = maker.post(
            "/empresa/pagos-masivos/cargar/", {"name": "Enero", "file": upload_file(xlsx(rows))}
        )
    batch = PayrollBatch.objects.get()
    assert batch.status == Status.VALID, batch.error or list(batch.rows.values("errors"))
    html = maker.get(response["Location"]).content.decode()
    assert "Visualizar plantilla" in html and "$ 25.50" in html
    assert "JOSE PENA" in html and "Se reemplazaron tildes o ñ" in html
    assert "Cédula" in html and "Ahorros" in html
    response = maker.post(f"/empresa/pagos-masivos/{batch.pk}/guardar/")
    assert response["Location"] == f"/empresa/pagos-masivos/{batch.pk}/"
    assert "JOSE PENA" in maker.get(response["Location"]).content.decode()


# --- The import page ------------------------------------------------------------------------


def test_while_importing_a_progress_bar_polls_every_second(company, maker):
    batch = batch_of(company, status=Status.IMPORTING, rows_read=1200, source_name="enero.xlsx")
    url = f"/empresa/pagos-masivos/{batch.pk}/importacion/"
    html = maker.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in html and "<progress" in html
    assert "1200 filas leídas" in html and "enero.xlsx" in html

    poll = maker.get(url + "?progreso=1", **HTMX)
    assert poll.status_code == 200
    partial = poll.content.decode()
    assert partial.lstrip().startswith('<section id="import-progress"')
    assert "<html" not in partial

    PayrollBatch.objects.filter(pk=batch.pk).update(status=Status.VALID, rows_count=1200)
    done = maker.get(url + "?progreso=1", **HTMX)
    assert done["HX-Refresh"] == "true"  # the whole page again, with the result


def test_a_file_that_cannot_be_read_shows_its_error(company, maker):
    batch = batch_of(company, status=Status.UNREADABLE, error="El archivo no es un .xlsx válido.")
    html = maker.get(f"/empresa/pagos-masivos/{batch.pk}/importacion/").content.decode()
    assert "El archivo no es un .xlsx válido." in html
    assert "Si el archivo se encuentra incorrecto no se podrá cargar." in html
    assert "every 1s" not in html


def test_row_errors_show_line_column_and_message_and_cannot_be_saved(company, maker):
    batch = batch_of(company, status=Status.INVALID, rows_count=3, invalid_count=2)
    PayrollRow.objects.create(
        batch=batch,
        line=2,
        errors=[
            {"column": "Identificación", "message": "La cédula no es válida."},
            {"column": "Valor", "message": "El valor debe ser mayor que cero."},
        ],
    )
    PayrollRow.objects.create(
        batch=batch,
        line=3,
        name="PENA",
        errors=[{"column": "# Cuenta", "message": "La cuenta no existe."}],
        warnings=[{"column": "Nombres", "message": "«PEÑA» se cambió a «PENA»."}],
    )
    member_row(batch, 4, "10.00")
    url = f"/empresa/pagos-masivos/{batch.pk}/importacion/"
    html = maker.get(url).content.decode()
    for text in (
        "2 filas con errores de 3.",
        "La cédula no es válida.",
        "El valor debe ser mayor que cero.",
        "La cuenta no existe.",
        "Advertencia: «PEÑA» se cambió a «PENA».",
        "Si el archivo se encuentra incorrecto no se podrá cargar.",
        "Subir la plantilla corregida",
    ):
        assert text in html, text
    assert html.count('class="row-error"') == 3

    response = maker.post(f"/empresa/pagos-masivos/{batch.pk}/guardar/")
    assert response["Location"] == url
    assert (
        "Si el archivo se encuentra incorrecto no se podrá cargar."
        in maker.get(url).content.decode()
    )
    batch.refresh_from_db()
    assert batch.status == Status.INVALID
    assert maker.get(f"/empresa/pagos-masivos/{batch.pk}/").status_code == 302  # no detail yet


def test_a_valid_file_is_shown_paginated_and_saved(company, maker):
    batch = batch_of(company, status=Status.VALID, rows_count=51, total=Decimal("510.00"))
    for line in range(2, 53):
        PayrollRow.objects.create(
            batch=batch,
            line=line,
            identification=f"17{line:08d}",
            name=f"EMPLEADO {line}",
            account_number=f"4101{line:08d}",
            amount=Decimal("10.00"),
            warnings=[{"column": "Nombres", "message": "Se quitaron las tildes."}]
            if line == 2
            else [],
        )
    url = f"/empresa/pagos-masivos/{batch.pk}/importacion/"
    html = maker.get(url).content.decode()
    assert "Visualizar plantilla" in html and "$ 510.00" in html
    assert "EMPLEADO 2<" in html and "EMPLEADO 51<" in html and "EMPLEADO 52<" not in html
    assert "Nombres: Se quitaron las tildes." in html
    assert "EMPLEADO 52<" in maker.get(url + "?page=2").content.decode()

    response = maker.post(f"/empresa/pagos-masivos/{batch.pk}/guardar/")
    assert response["Location"] == f"/empresa/pagos-masivos/{batch.pk}/"
    batch.refresh_from_db()
    assert batch.status == Status.SAVED and batch.saved_at is not None
    assert "Nómina «Nómina noviembre» guardada." in maker.get(response["Location"]).content.decode()
    # Saved: the import page leads to the detail.
    assert maker.get(url)["Location"] == f"/empresa/pagos-masivos/{batch.pk}/"


# --- The list: rename, delete -----------------------------------------------------------------


def test_the_list_shows_saved_batches_only(company, maker, saved):
    batch_of(company, status=Status.VALID, name="Sin guardar")
    html = maker.get("/empresa/pagos-masivos/").content.decode()
    assert str(saved.pk) in html and "Nómina noviembre" in html
    assert "Sin guardar" not in html
    for action in ("Editar", "Ver detalle", "Eliminar"):
        assert action in html


def test_rename_inline_with_htmx_and_as_a_page(maker, saved):
    url = f"/empresa/pagos-masivos/{saved.pk}/editar/"
    form = maker.get(url, **HTMX).content.decode()
    assert (
        form.lstrip().startswith(f'<tr id="batch-{saved.pk}"')
        and 'value="Nómina noviembre"' in form
    )

    empty = maker.post(url, {"name": "  "}, **HTMX).content.decode()
    assert "Ingresa un nombre o alias para la nómina." in empty

    row = maker.post(url, {"name": "PAGO ENERO"}, **HTMX).content.decode()
    assert row.lstrip().startswith(f'<tr id="batch-{saved.pk}"') and "PAGO ENERO" in row
    saved.refresh_from_db()
    assert saved.name == "PAGO ENERO"
    back = maker.get(f"/empresa/pagos-masivos/{saved.pk}/fila/", **HTMX).content.decode()
    assert "PAGO ENERO" in back and "Ver detalle" in back

    assert "Nombre detalle de pago" in maker.get(url).content.decode()
    response = maker.post(url, {"name": "PAGO FEBRERO"})
    assert response["Location"] == "/empresa/pagos-masivos/"
    saved.refresh_from_db()
    assert saved.name == "PAGO FEBRERO"


def test_delete_asks_first_then_removes_the_batch_from_the_list(maker, saved):
    url = f"/empresa/pagos-masivos/{saved.pk}/eliminar/"
    dialog = maker.get(url, **HTMX).content.decode()
    assert "Eliminar nómina" in dialog and "¿Estás seguro de continuar con esta acción?" in dialog
    assert "Sí, eliminar" in dialog and "No, cerrar" in dialog and "<html" not in dialog
    assert "Sí, eliminar" in maker.get(url).content.decode()

    response = maker.post(url, **HTMX)
    assert response["HX-Redirect"] == "/empresa/pagos-masivos/"
    saved.refresh_from_db()
    assert saved.deleted_at is not None
    html = maker.get("/empresa/pagos-masivos/").content.decode()
    assert "Nómina «Nómina noviembre» eliminada." in html and str(saved.pk) not in html


def test_a_batch_with_rows_waiting_for_approval_is_not_deleted(maker, saved):
    saved.rows.filter(line=2).update(payment=Payment.PENDING)
    response = maker.post(f"/empresa/pagos-masivos/{saved.pk}/eliminar/")
    assert response["Location"] == "/empresa/pagos-masivos/"
    assert (
        "pagos pendientes de autorización" in maker.get("/empresa/pagos-masivos/").content.decode()
    )
    saved.refresh_from_db()
    assert saved.deleted_at is None


# --- Detail and search ------------------------------------------------------------------------


def test_detail_lists_rows_and_searches_by_id_name_account_and_institution(maker, saved):
    rows = {row.line: row for row in saved.rows.select_related("institution")}
    url = f"/empresa/pagos-masivos/{saved.pk}/"
    html = maker.get(url).content.decode()
    assert html.count('data-testid="payroll-row"') == 3
    for header in ("Identificación", "Nombre", "# Cuenta", "Institución", "Monto", "Correo"):
        assert header in html
    assert "Seleccionar todo" in html and ">Pagar<" in html

    def found(query):
        partial = maker.get(url, {"q": query}, **HTMX).content.decode()
        assert "<html" not in partial
        return partial.count('data-testid="payroll-row"')

    assert found(rows[2].identification) == 1
    assert found(rows[3].name.split()[0]) >= 1
    assert found(rows[2].account_number) == 1
    assert found(rows[4].institution.name[:8]) == 1
    assert found("nadie-se-llama-asi") == 0


def test_rows_already_in_an_order_have_no_box(maker, saved):
    saved.rows.filter(line=2).update(payment=Payment.PENDING)
    html = maker.get(f"/empresa/pagos-masivos/{saved.pk}/").content.decode()
    assert html.count('name="filas"') == 2 and "Pendiente" in html


# --- Paying -----------------------------------------------------------------------------------


def pay_data(company, rows="todos", memo="Sueldos noviembre"):
    return {
        "rows": rows,
        "debit_account": company.account.pk,
        "memo": memo,
        "key": str(uuid.uuid4()),
    }


def test_pay_shows_the_total_with_the_interbank_fee_and_vat(maker, saved):
    html = maker.get(f"/empresa/pagos-masivos/{saved.pk}/pagar/?todos=1").content.decode()
    assert 'data-testid="pay-count">3<' in html
    assert "$ 730.50" in html  # the rows
    assert "$ 0.36" in html and "$ 0.05" in html  # one interbank row's fee and VAT
    assert "$ 730.91" in html  # to debit
    assert "Cuenta a debitar" in html and "Motivo" in html

    line2 = saved.rows.get(line=2)
    html = maker.get(f"/empresa/pagos-masivos/{saved.pk}/pagar/?filas={line2.pk}").content.decode()
    assert 'data-testid="pay-count">1<' in html and "$ 450.00" in html and "$ 0.36" not in html

    nothing = maker.get(f"/empresa/pagos-masivos/{saved.pk}/pagar/")
    assert nothing["Location"] == f"/empresa/pagos-masivos/{saved.pk}/"
    assert (
        "Selecciona al menos una fila por pagar." in maker.get(nothing["Location"]).content.decode()
    )


def test_pay_form_errors(company, maker, saved, other_company):
    url = f"/empresa/pagos-masivos/{saved.pk}/pagar/"
    html = maker.post(url, {**pay_data(company), "memo": "", "debit_account": ""}).content.decode()
    assert "Ingresa el motivo del pago." in html and "Elige la cuenta a debitar." in html
    foreign = {**pay_data(company), "debit_account": other_company.account.pk}
    assert "No tienes acceso a esa cuenta." in maker.post(url, foreign).content.decode()
    html = maker.post(url, {**pay_data(company), "rows": "2,x"}).content.decode()
    assert "Selecciona al menos una fila por pagar." in html
    html = maker.post(url, {**pay_data(company), "rows": "999999"}).content.decode()
    assert "Alguna fila seleccionada ya no se puede pagar" in html
    html = maker.post(url, {**pay_data(company), "key": "no-es-uuid"}).content.decode()
    assert "La operación expiró. Vuelve a ingresar los datos." in html
    assert not ApprovalOrder.objects.exists()


def test_pay_with_a_code_registers_one_order_pending_approval(company, maker, saved):
    url = f"/empresa/pagos-masivos/{saved.pk}/pagar/"
    picked = sorted(saved.rows.filter(line__in=(2, 4)).values_list("pk", flat=True))
    data = pay_data(company, rows=",".join(map(str, picked)))
    dialog = maker.post(url, data, **HTMX)
    assert dialog["HX-Retarget"] == "#modal"
    assert "pagar 2 filas de la nómina «Nómina noviembre» por $ 650.41" in dialog.content.decode()

    response = with_code(maker, url, data)
    order = ApprovalOrder.objects.get()
    assert response["Location"] == f"/empresa/ordenes/{order.pk}/"
    assert order.status == ApprovalOrder.Status.PENDING
    assert (order.amount, order.charges, order.concept) == (
        Decimal("650.00"),
        Decimal("0.41"),
        "Sueldos noviembre",
    )
    states = dict(saved.rows.values_list("line", "payment"))
    assert states == {2: Payment.PENDING, 3: Payment.NONE, 4: Payment.PENDING}
    page = maker.get(response["Location"]).content.decode()
    assert f"Orden N.º {order.pk} registrada: queda pendiente de autorización." in page

    # The same form sent again (back button, double click) leads to that order, no new code.
    again = maker.post(url, data)
    assert again["Location"] == f"/empresa/ordenes/{order.pk}/"
    assert ApprovalOrder.objects.count() == 1


def test_the_code_is_bound_to_the_rows(company, maker, saved):
    """A row changed after the code was sent: the code no longer confirms the payment."""
    url = f"/empresa/pagos-masivos/{saved.pk}/pagar/"
    data = pay_data(company)
    dialog = maker.post(url, data).content.decode()
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    saved.rows.filter(line=3).update(amount=Decimal("8050.00"))
    response = maker.post(
        url, {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code_sent()}
    )
    assert response.status_code == 200 and 'data-testid="otp-error"' in response.content.decode()
    assert not ApprovalOrder.objects.exists()


def test_an_administrators_payment_executes_at_once(company, saved):
    admin = client_for(company.admin)
    response = with_code(admin, f"/empresa/pagos-masivos/{saved.pk}/pagar/", pay_data(company))
    order = ApprovalOrder.objects.get()
    assert response["Location"] == f"/empresa/ordenes/{order.pk}/"
    assert order.status == ApprovalOrder.Status.EXECUTED
    assert f"Orden N.º {order.pk} ejecutada." in admin.get(response["Location"]).content.decode()
