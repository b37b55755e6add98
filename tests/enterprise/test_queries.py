"""Consultas → Transacciones generales: tabs, state and date filters, who sees what, each order's
beneficiaries and signers, and the XLSX and PDF downloads."""

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from common.periods import (
    PERIOD_CUSTOM,
    PERIOD_LAST_MONTH,
    PERIOD_RECENT,
    PERIOD_TODAY,
    PERIOD_YESTERDAY,
)
from common.periods import PeriodError as QueryError
from common.periods import period_dates as period_bounds
from common.spreadsheets import safe_cell
from enterprise.forms.queries import OrderQueryForm
from enterprise.models import ApprovalOrder, Company, CompanyRole, CompanyUser, Operation, Service
from enterprise.selectors.queries import (
    BENEFICIARIES,
    TAB_ALL,
    TAB_APPROVED,
    TAB_PENDING,
    TAB_REJECTED,
    beneficiary_list_for_order,
    kind_label,
    order_list_for_profile,
)
from enterprise.services.approvals import order_approve, order_create, order_reject
from enterprise.services.operations import TRANSFER_INTERBANK, TRANSFER_MEMBER, TRANSFER_OWN
from identity.models import IdType, Member
from tests.factories import AccountFactory, MemberFactory, UserFactory, deposit
from transfers.models import Transfer
from transfers.services.holders import holder_name_masked

pytestmark = pytest.mark.django_db

URL = "/empresa/consultas/"
Status = ApprovalOrder.Status


@pytest.fixture(autouse=True)
def _central_bank_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.SPI_GATEWAY = "transfers.services.gateway.SimulatedGateway"


def member_order(company, user, amount, destination, concept="Pago proveedor"):
    return order_create(
        user=user,
        operation=Operation.TRANSFER,
        kind=TRANSFER_MEMBER,
        amount=Decimal(amount),
        charges=Decimal("0"),
        debit_account=company.account,
        payload={
            "origin": company.account.pk,
            "destination": destination.pk,
            "amount": amount,
            "memo": concept,
        },
        concept=concept,
    )


def interbank_order(company, user, amount, concept="Pago interbancario"):
    return order_create(
        user=user,
        operation=Operation.TRANSFER,
        kind=TRANSFER_INTERBANK,
        amount=Decimal(amount),
        charges=Decimal("0.41"),
        debit_account=company.account,
        payload={
            "origin": company.account.pk,
            "amount": amount,
            "memo": concept,
            "payee": {
                "account_number": "2200123456",
                "account_type": "AHORROS",
                "name": "FANNY ONTANEDA",
                "id_type": IdType.CEDULA,
                "identification": "1710034065",
                "email": "",
                "institution": "0032",
            },
        },
        concept=concept,
    )


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def profile(user) -> CompanyUser:
    return CompanyUser.objects.get(user=user)


def created_at(order, when: datetime) -> None:
    ApprovalOrder.objects.filter(pk=order.pk).update(created_at=when)


def local(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def orders(company, payee_account):
    """One order of each tab: pending, approved (executed), rejected; and a withdrawn one."""
    pending = member_order(company, company.maker, "10.00", payee_account, "Pendiente uno")
    approved = member_order(company, company.maker, "20.50", payee_account, "Aprobada uno")
    order_approve(user=company.approver_b, order_id=approved.pk)
    rejected = member_order(company, company.maker, "30.00", payee_account, "Rechazada uno")
    order_reject(user=company.approver_b, order_id=rejected.pk, reason="Factura duplicada")
    expired = member_order(company, company.maker, "40.00", payee_account, "Expirada uno")
    ApprovalOrder.objects.filter(pk=expired.pk).update(status=Status.EXPIRED)
    for order in (pending, approved, rejected, expired):
        order.refresh_from_db()
    return {"pending": pending, "approved": approved, "rejected": rejected, "expired": expired}


@pytest.fixture
def other_company(db, payee_account):
    """Another company with an order of its own."""
    member = MemberFactory(kind=Member.Kind.COMPANY)
    other = Company.objects.create(member=member, name="OTRA EMPRESA S.A.")
    account = AccountFactory(owner=member)
    deposit(account, "500.00")
    admin = UserFactory(customer=member)
    CompanyUser.objects.create(user=admin, company=other, role=CompanyRole.ADMIN)
    other.admin = admin
    other.account = account
    other.order = member_order(other, admin, "99.00", payee_account, "Orden de la otra")
    return other


def listed(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


# --- Tabs and the state filter ------------------------------------------------------------------


def test_each_tab_lists_its_orders(company, orders):
    client = client_for(company.approver_a)
    everything = listed(client.get(URL))
    for concept in ("Pendiente uno", "Aprobada uno", "Rechazada uno", "Expirada uno"):
        assert concept in everything
    assert "Transferencia Cooprogreso" in everything and "$ 20.50" in everything

    pending = listed(client.get(URL, {"tab": TAB_PENDING}))
    assert "Pendiente uno" in pending and "Aprobada uno" not in pending
    approved = listed(client.get(URL, {"tab": TAB_APPROVED}))
    assert "Aprobada uno" in approved and "Pendiente uno" not in approved
    rejected = listed(client.get(URL, {"tab": TAB_REJECTED}))
    assert "Rechazada uno" in rejected and "Expirada uno" not in rejected


def test_the_state_filter_lists_every_state_and_narrows_todas(company, orders):
    client = client_for(company.admin)
    page = listed(client.get(URL))
    for status in Status:
        assert f'<option value="{status.value}"' in page
    expired = listed(client.get(URL, {"tab": TAB_ALL, "estado": Status.EXPIRED}))
    assert "Expirada uno" in expired and "Pendiente uno" not in expired
    assert "Estado: Expirada" in expired


def test_the_authorization_date_shows_only_for_approved_orders(company, orders):
    lines = {
        o.concept: o
        for o in order_list_for_profile(
            profile=profile(company.admin),
            tab=TAB_ALL,
            date_from=timezone.localdate(),
            date_to=timezone.localdate(),
        )
    }
    from enterprise.selectors.queries import order_line

    assert order_line(lines["Aprobada uno"]).authorized_at is not None
    assert order_line(lines["Rechazada uno"]).authorized_at is None
    assert order_line(lines["Pendiente uno"]).authorized_at is None


def test_unknown_kinds_show_as_stored():
    assert kind_label(TRANSFER_OWN) == "Transferencia entre cuentas propias"
    assert kind_label(TRANSFER_INTERBANK) == "Transferencia interbancaria"
    assert kind_label("PAGO_MASIVO_X") == "PAGO_MASIVO_X"


def test_htmx_gets_the_panel_or_only_the_rows(company, orders):
    client = client_for(company.admin)
    # The filter and the tabs swap the panel: tabs, form and rows, never the whole page.
    panel = listed(
        client.get(URL, {"tab": TAB_APPROVED}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queries")
    )
    assert 'aria-current="page">Transacciones generales – Aprobadas' in panel
    assert "Aprobada uno" in panel and 'name="periodo"' in panel and "<html" not in panel
    # Another page of the same query swaps the rows only.
    rows = listed(
        client.get(URL, {"periodo": PERIOD_TODAY}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    )
    assert "Aprobada uno" in rows and 'name="periodo"' not in rows and "<html" not in rows
    # Tab links and downloads carry the filter, without empty fields.
    page = listed(client.get(URL, {"tab": TAB_ALL, "periodo": PERIOD_TODAY, "desde": ""}))
    assert 'href="?tab=aprobadas&periodo=hoy"' in page
    assert 'href="/empresa/consultas/descargar/xlsx/?tab=todas&amp;periodo=hoy"' in page


def test_pagination_by_fifty(company, payee_account):
    for n in range(51):
        member_order(company, company.maker, "1.00", payee_account, f"Orden {n:02d}")
    client = client_for(company.admin)
    first = listed(client.get(URL))
    assert first.count('data-testid="order-row"') == 50 and "Página 1 de 2" in first
    second = listed(client.get(URL, {"page": 2}))
    assert second.count('data-testid="order-row"') == 1


# --- Dates ------------------------------------------------------------------------------------


def test_each_period_preset_covers_its_days():
    today = date(2026, 3, 15)
    assert period_bounds(period=PERIOD_TODAY, today=today) == (today, today)
    assert period_bounds(period=PERIOD_YESTERDAY, today=today) == (date(2026, 3, 14),) * 2
    assert period_bounds(period=PERIOD_LAST_MONTH, today=today) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    assert period_bounds(period=PERIOD_RECENT, today=today) == (date(2026, 2, 13), today)
    assert period_bounds(period=PERIOD_LAST_MONTH, today=date(2026, 1, 5)) == (
        date(2025, 12, 1),
        date(2025, 12, 31),
    )


def test_the_presets_select_orders_by_local_creation_day(company, payee_account):
    today = date(2026, 3, 15)
    when = {
        "hoy": local(today, 9),
        # 23:30 in Guayaquil is already the next day in UTC: still "ayer" here.
        "ayer": local(today - timedelta(days=1), 23).replace(minute=30),
        "mes anterior": local(date(2026, 2, 20)),
        "hace un año": local(date(2025, 3, 10)),
    }
    for concept, moment in when.items():
        created_at(member_order(company, company.maker, "5.00", payee_account, concept), moment)
    admin = profile(company.admin)

    def concepts(period, **dates):
        form = OrderQueryForm({"periodo": period, **dates}, today=today)
        assert form.is_valid(), form.errors
        data = form.cleaned_data
        return set(
            order_list_for_profile(
                profile=admin, tab=TAB_ALL, date_from=data["date_from"], date_to=data["date_to"]
            ).values_list("concept", flat=True)
        )

    assert concepts(PERIOD_TODAY) == {"hoy"}
    assert concepts(PERIOD_YESTERDAY) == {"ayer"}
    assert concepts(PERIOD_LAST_MONTH) == {"mes anterior"}
    assert concepts(PERIOD_RECENT) == {"hoy", "ayer", "mes anterior"}
    assert concepts(PERIOD_CUSTOM, desde="2025-03-15", hasta="2026-03-15") == {
        "hoy",
        "ayer",
        "mes anterior",
    }
    assert concepts(PERIOD_CUSTOM, desde="2025-03-10", hasta="2025-03-10") == {"hace un año"}


@pytest.mark.parametrize(
    "desde, hasta, message",
    [
        ("2025-03-14", "2026-03-15", "El rango de fechas no puede superar los 12 meses."),
        ("2026-03-10", "2026-03-01", "La fecha desde no puede ser posterior a la fecha hasta."),
        ("2026-03-10", "2026-03-16", "La fecha hasta no puede ser futura."),
        ("", "2026-03-10", "Indica la fecha desde y la fecha hasta."),
        ("2026-13-40", "2026-03-10", "La fecha desde no es válida."),
    ],
)
def test_bad_custom_ranges_are_refused(desde, hasta, message):
    form = OrderQueryForm(
        {"periodo": PERIOD_CUSTOM, "desde": desde, "hasta": hasta}, today=date(2026, 3, 15)
    )
    assert not form.is_valid()
    assert message in str(form.errors)


def test_a_range_over_twelve_months_shows_the_message_and_no_rows(company, orders):
    client = client_for(company.admin)
    data = {"periodo": PERIOD_CUSTOM, "desde": "2020-01-01", "hasta": str(timezone.localdate())}
    page = listed(client.get(URL, data))
    assert "El rango de fechas no puede superar los 12 meses." in page
    assert 'data-testid="order-row"' not in page
    # With htmx the message goes above the table and the rows already shown stay.
    response = client.get(
        URL, data, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queries", HTTP_HX_TRIGGER="query-filter"
    )
    assert response["HX-Retarget"] == "#query-errors" and response["HX-Push-Url"] == "false"
    assert "El rango de fechas no puede superar los 12 meses." in response.content.decode()
    assert 'data-testid="order-row"' not in response.content.decode()


def test_period_bounds_refuse_a_future_day():
    with pytest.raises(QueryError, match="futura"):
        period_bounds(
            period=PERIOD_CUSTOM,
            today=date(2026, 3, 15),
            date_from=date(2026, 3, 16),
            date_to=date(2026, 3, 16),
        )


# --- Who sees what ----------------------------------------------------------------------------


def test_another_companys_orders_never_show_and_their_dialogs_are_404(
    company, orders, other_company
):
    client = client_for(company.admin)
    page = listed(client.get(URL))
    assert "Orden de la otra" not in page
    pk = other_company.order.pk
    assert client.get(f"{URL}{pk}/beneficiarios/").status_code == 404
    assert client.get(f"{URL}{pk}/autorizadores/").status_code == 404
    book = load_workbook(io.BytesIO(client.get(f"{URL}descargar/xlsx/").content))
    texts = {c for row in book.active.iter_rows(values_only=True) for c in row}
    assert "Orden de la otra" not in texts and "Pendiente uno" in texts


def test_orders_of_accounts_not_granted_do_not_show(company, orders, payee_account):
    second = AccountFactory(owner=company.member)
    deposit(second, "100.00")
    profile(company.approver_a).accounts.set([second])
    page = listed(client_for(company.approver_a).get(URL))
    assert "Pendiente uno" not in page
    assert client_for(company.approver_a).get(
        f"{URL}{orders['pending'].pk}/autorizadores/"
    ).status_code == (404)


def test_a_member_without_a_company_is_refused(member_user):
    response = client_for(member_user).get(URL)
    assert response.status_code == 403
    assert "Esta opción es de la banca empresas." in response.content.decode()


def test_a_user_without_the_service_is_refused(company, orders):
    maker = profile(company.maker)
    maker.services = [Service.POSITION, Service.TRANSFER_MEMBER]
    maker.save(update_fields=["services"])
    client = client_for(company.maker)
    response = client.get(URL)
    assert response.status_code == 403
    assert "Tu usuario no tiene el servicio de Consultas." in response.content.decode()
    assert client.get(f"{URL}descargar/xlsx/").status_code == 403
    assert client.get(f"{URL}{orders['pending'].pk}/beneficiarios/").status_code == 403
    assert 'href="/empresa/consultas/"' not in listed(client.get("/"))


def test_pending_only_users_see_only_the_pending_tab(company, orders):
    approver = profile(company.approver_a)
    approver.services = [Service.POSITION, Service.QUERIES_PENDING]
    approver.save(update_fields=["services"])
    client = client_for(company.approver_a)
    page = listed(client.get(URL))
    assert "Pendiente uno" in page and "Aprobada uno" not in page
    assert "Transacciones generales – Pendientes" in page
    assert "Transacciones generales – Todas" not in page
    assert 'name="estado"' not in page
    assert 'href="/empresa/consultas/"' in listed(client.get("/"))
    for tab in (TAB_ALL, TAB_APPROVED, TAB_REJECTED):
        response = client.get(URL, {"tab": tab})
        assert response.status_code == 403
        assert "solo puede consultar las transacciones pendientes" in response.content.decode()
        assert client.get(f"{URL}descargar/xlsx/", {"tab": tab}).status_code == 403
    # An order no longer pending is not theirs to look into.
    assert client.get(f"{URL}{orders['approved'].pk}/autorizadores/").status_code == 404
    assert client.get(f"{URL}{orders['pending'].pk}/autorizadores/").status_code == 200


def test_the_views_refuse_post(company):
    client = client_for(company.admin)
    assert client.post(URL).status_code == 405
    assert client.post(f"{URL}descargar/pdf/").status_code == 405


def test_anonymous_people_are_sent_to_sign_in():
    response = Client().get(URL)
    assert response.status_code == 302 and "/ingresar/" in response["Location"]


# --- Beneficiarios and Autorizadores ----------------------------------------------------------


def test_autorizadores_lists_each_signature(company, orders):
    client = client_for(company.maker)
    dialog = listed(
        client.get(f"{URL}{orders['rejected'].pk}/autorizadores/", HTTP_HX_REQUEST="true")
    )
    assert "<html" not in dialog and "data-close-modal" in dialog
    assert company.approver_b.get_full_name() in dialog
    assert "Rechazó" in dialog and "Factura duplicada" in dialog and ">B<" in dialog
    page = listed(client.get(f"{URL}{orders['approved'].pk}/autorizadores/"))
    assert "<html" in page and "Aprobó" in page and 'href="/empresa/consultas/"' in page


def test_beneficiarios_of_internal_transfers(company, orders, payee_account):
    owner = payee_account.owner
    credited = beneficiary_list_for_order(orders["approved"])
    assert len(credited) == 1
    row = credited[0]
    # Another member: masked as the transfer form showed it, never in full.
    masked = (holder_name_masked(owner.full_name), "*****" + owner.identification[-4:])
    assert (row.name, row.identification) == masked
    assert row.account == payee_account.masked_number and row.amount == Decimal("20.50")
    assert row.status == "Acreditada"
    [pending] = beneficiary_list_for_order(orders["pending"])
    assert pending.status == "Pendiente" and pending.amount == Decimal("10.00")
    [rejected] = beneficiary_list_for_order(orders["rejected"])
    assert (rejected.status, rejected.reason) == ("Rechazada", "Factura duplicada")
    page = listed(client_for(company.admin).get(f"{URL}{orders['approved'].pk}/beneficiarios/"))
    assert masked[0] in page and "Acreditada" in page
    assert owner.full_name not in page and owner.identification not in page
    assert payee_account.number not in page  # masked


def test_own_transfers_name_the_company(company):
    savings = AccountFactory(owner=company.member)
    order = order_create(
        user=company.admin,
        operation=Operation.TRANSFER,
        kind=TRANSFER_OWN,
        amount=Decimal("15.00"),
        charges=Decimal("0"),
        debit_account=company.account,
        payload={
            "origin": company.account.pk,
            "destination": savings.pk,
            "amount": "15.00",
        },
        concept="Entre cuentas",
    )
    assert order.status == Status.EXECUTED
    [row] = beneficiary_list_for_order(order)
    assert row.name == company.member.full_name and row.status == "Acreditada"


def test_beneficiarios_of_an_interbank_transfer_follow_its_settlement(company):
    order = interbank_order(company, company.maker, "25.00")
    [waiting] = beneficiary_list_for_order(order)
    assert (waiting.name, waiting.identification) == ("FANNY ONTANEDA", "1710034065")
    assert waiting.account == "*****3456" and waiting.status == "Pendiente"
    assert waiting.institution  # the bank's name, from its SPI code
    order_approve(user=company.approver_b, order_id=order.pk)
    order.refresh_from_db()
    assert order.status == Status.EXECUTED, order.failure_reason
    [sent] = beneficiary_list_for_order(order)
    assert sent.status == "Pendiente de envío"
    Transfer.objects.filter(pk=order.result["transfer"]).update(status=Transfer.Status.SENT)
    assert beneficiary_list_for_order(order)[0].status == "Enviada"
    Transfer.objects.filter(pk=order.result["transfer"]).update(
        status=Transfer.Status.RETURNED, return_reason="Cuenta cerrada"
    )
    [returned] = beneficiary_list_for_order(order)
    assert (returned.status, returned.reason) == ("Devuelta", "Cuenta cerrada")
    dialog = listed(
        client_for(company.admin).get(f"{URL}{order.pk}/beneficiarios/", HTTP_HX_REQUEST="true")
    )
    assert "Devuelta" in dialog and "Cuenta cerrada" in dialog and "2200123456" not in dialog


def test_a_kind_without_beneficiaries_says_so(company, orders):
    ApprovalOrder.objects.filter(pk=orders["pending"].pk).update(kind="PAGO_FUTURO")
    assert "PAGO_FUTURO" not in BENEFICIARIES
    page = listed(client_for(company.admin).get(f"{URL}{orders['pending'].pk}/beneficiarios/"))
    assert "Esta operación no tiene detalle de beneficiarios." in page
    assert "PAGO_FUTURO" in listed(client_for(company.admin).get(URL))


# --- Downloads ---------------------------------------------------------------------------------


def sheet_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.content[:500]
    book = load_workbook(io.BytesIO(response.content))
    return list(book.active.iter_rows(values_only=True))


def test_the_xlsx_has_the_filtered_rows_with_numeric_amounts(company, orders):
    response = client_for(company.admin).get(
        f"{URL}descargar/xlsx/", {"tab": TAB_ALL, "periodo": PERIOD_TODAY}
    )
    today = f"{timezone.localdate():%Y%m%d}"
    assert response["Content-Disposition"] == (
        f'attachment; filename="transacciones_todas_{today}_{today}.xlsx"'
    )
    rows = sheet_rows(response)
    assert rows[1][0] == "COMERCIAL ANDINA S.A."
    by_concept = {row[6]: row for row in rows if len(row) > 6 and row[6]}
    approved = by_concept["Aprobada uno"]
    assert approved[0] == orders["approved"].pk
    assert approved[1] == company.account.masked_number
    assert Decimal(str(approved[4])) == Decimal("20.50")
    assert approved[5] == "Transferencia Cooprogreso" and approved[7] == "Aprobada"
    assert isinstance(approved[2], datetime) and isinstance(approved[3], datetime)
    assert by_concept["Pendiente uno"][3] is None
    total = rows[-1]
    assert total[0] == "Total" and Decimal(str(total[4])) == Decimal("100.50")

    book = load_workbook(io.BytesIO(response.content))
    amount_cells = [row[4] for row in book.active.iter_rows(min_row=7) if row[4].value]
    assert all(c.data_type == "n" and c.number_format == "#,##0.00" for c in amount_cells)


def test_the_xlsx_follows_the_tab(company, orders):
    rows = sheet_rows(client_for(company.admin).get(f"{URL}descargar/xlsx/", {"tab": "rechazadas"}))
    concepts = {row[6] for row in rows if len(row) > 6}
    assert "Rechazada uno" in concepts and "Aprobada uno" not in concepts


def test_a_formula_in_a_concept_is_written_as_text(company, payee_account):
    concept = '=HYPERLINK("http://malo.example","clic")'
    member_order(company, company.maker, "5.00", payee_account, concept)
    response = client_for(company.admin).get(f"{URL}descargar/xlsx/")
    book = load_workbook(io.BytesIO(response.content))
    cells = [
        c for row in book.active.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)
    ]
    assert len(cells) == 1
    assert cells[0].data_type == "s" and cells[0].value == "'" + concept


@pytest.mark.parametrize(
    "value, written",
    [
        ("=1+1", "'=1+1"),
        ("+57 999", "'+57 999"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\0=x", "'=x"),
        ("Pago enero", "Pago enero"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_safe_cell_escapes_formula_triggers(value, written):
    assert safe_cell(value) == written


def test_the_pdf_lists_the_rows_and_the_total(company, orders):
    response = client_for(company.admin).get(
        f"{URL}descargar/pdf/", {"tab": TAB_ALL, "periodo": PERIOD_TODAY}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="transacciones_todas_' in response["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in (
        "COMERCIAL ANDINA S.A.",
        "Transacciones generales",
        "Aprobada uno",
        "Rechazada uno",
        "$ 20.50",
        "$ 100.50",
        "Generado el",
    ):
        assert expected in text, expected


def test_downloads_are_capped(company, orders, settings):
    settings.ENTERPRISE_QUERY_EXPORT_MAX_ROWS = 3
    client = client_for(company.admin)
    response = client.get(f"{URL}descargar/xlsx/", {"periodo": PERIOD_TODAY})
    assert response.status_code == 302 and response["Location"].startswith(URL)
    page = listed(client.get(response["Location"]))
    assert "La consulta tiene 4 operaciones y la descarga en XLSX admite hasta 3" in page


def test_a_bad_filter_does_not_download(company, orders):
    client = client_for(company.admin)
    response = client.get(
        f"{URL}descargar/pdf/",
        {"periodo": PERIOD_CUSTOM, "desde": "2020-01-01", "hasta": "2021-06-01"},
    )
    assert response.status_code == 302
    assert "El rango de fechas no puede superar los 12 meses." in listed(
        client.get(response["Location"])
    )
