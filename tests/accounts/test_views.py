import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import (
    Account,
    Entry,
    ExportJob,
    InternalAccount,
    Product,
    TermDeposit,
    Transaction,
)
from accounts.services.ledger import internal_account_id
from tests.factories import AccountFactory, UserFactory, deposit

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def member(client):
    user = UserFactory(
        customer__first_names="ANA",
        customer__last_names="PÉREZ",
        customer__identification="1714307103",
    )
    account = AccountFactory(owner=user.customer, number="410100000001")
    deposit(account, "1234.56", memo="Depósito inicial")
    client.force_login(user)
    return user, account


def movements_url(account, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("accounts:movements", args=[account.number]) + (f"?{query}" if query else "")


# -- position -----------------------------------------------------------------------------------
def test_position_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/ingresar/")


def test_position_lists_the_members_accounts_with_both_balances(client, member, outsider):
    _, account = member
    response = client.get("/")
    html = response.content.decode()
    assert "Posición consolidada" in html
    assert account.number in html and "CUENTA DE AHORROS" in html
    assert html.count("$ 1,234.56") == 2  # available and ledger balance
    assert "ACTIVA" in html
    assert outsider.customer.accounts.get().number not in html


def test_position_shows_held_funds_as_less_available(client, member):
    from accounts.services.ledger import hold_place

    _, account = member
    hold_place(account_id=account.pk, amount=Decimal("234.56"), reason="Orden", reference="o1")
    html = client.get("/").content.decode()
    assert "$ 1,000.00" in html and "$ 1,234.56" in html


def test_hiding_amounts_is_remembered(client, member):
    user, _ = member
    response = client.post(reverse("accounts:toggle_amounts"), {"next": "/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.hide_amounts is True
    html = client.get("/").content.decode()
    assert "$ 1,234.56" not in html and "••••••" in html
    client.post(reverse("accounts:toggle_amounts"), HTTP_HX_REQUEST="true")
    assert "$ 1,234.56" in client.get("/").content.decode()


def test_toggle_never_redirects_off_site(client, member):
    response = client.post(reverse("accounts:toggle_amounts"), {"next": "//evil.example/robar"})
    assert response["Location"] == "/"


def test_toggle_refuses_get(client, member):
    assert client.get(reverse("accounts:toggle_amounts")).status_code == 405


def test_position_query_count_does_not_grow_with_products(client, settings):
    settings.POSITION_CACHE_SECONDS = 0  # both visits render the page
    user = UserFactory()
    AccountFactory(owner=user.customer)
    client.force_login(user)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/").status_code == 200
    for _ in range(49):
        AccountFactory(owner=user.customer)
    with CaptureQueriesContext(connection) as fifty:
        assert client.get("/").content.decode().count("Ver movimientos") == 50
    assert len(fifty) == len(one)


# -- movements ----------------------------------------------------------------------------------
def test_another_members_movements_are_a_404(client, member, outsider):
    other = outsider.customer.accounts.get()
    assert client.get(movements_url(other)).status_code == 404
    assert (
        client.get(reverse("accounts:movements_download", args=[other.number, "pdf"])).status_code
        == 404
    )


def test_movements_show_the_latest_at_once(client, member):
    _, account = member
    html = client.get(movements_url(account)).content.decode()
    assert (
        "DEPÓSITO AHORROS" in html and "DEPÓSITO" in html and "$ 1,234.56" in html and "↑" in html
    )


def test_filter_previous_month_shows_only_that_month(client):
    user = UserFactory()
    account = AccountFactory(owner=user.customer)
    first_of_month = timezone.localdate().replace(day=1)
    noon = timezone.datetime.min.time().replace(hour=12)
    last_month = timezone.make_aware(
        timezone.datetime.combine(first_of_month - timedelta(days=3), noon)
    )
    deposit(
        account,
        "7.77",
        when=last_month,
        description="ABONO MES ANTERIOR",
        counter=InternalAccount.INTEREST_EXPENSE,
    )
    deposit(account, "1234.56", description="ABONO DE HOY")
    client.force_login(user)
    html = client.get(movements_url(account, periodo="mes_anterior")).content.decode()
    assert "ABONO MES ANTERIOR" in html
    assert "ABONO DE HOY" not in html


def test_filter_by_debits_only(client, member):
    _, account = member
    response = client.get(movements_url(account, tipo="debitos"))
    assert "Tu cuenta no tiene movimientos en este periodo." in response.content.decode()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"periodo": "personalizado", "desde": "2020-01-01", "hasta": "2020-02-01"}, "12 meses"),
        ({"periodo": "personalizado", "desde": "2026-03-10", "hasta": "2026-03-01"}, "posterior"),
        (
            {"periodo": "personalizado", "desde": "2026-13-45", "hasta": "2026-03-01"},
            "no es válida",
        ),
        ({"periodo": "siempre"}, "opción válida"),
        ({"periodo": "personalizado"}, "Indica la fecha"),
    ],
)
def test_bad_filters_get_a_clear_spanish_message(client, member, params, message):
    _, account = member
    response = client.get(movements_url(account, **params))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "<tbody>" not in response.content.decode()


def test_htmx_gets_only_the_results_fragment_and_pages(client, member, settings):
    _, account = member
    settings.MOVEMENTS_PAGE_SIZE = 2
    for n in range(4):
        deposit(account, f"{n + 1}.00", description=f"ABONO {n}")
    first = client.get(movements_url(account), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in first and "Página 1 de 3" in first
    second = client.get(movements_url(account, page=2), HTTP_HX_REQUEST="true").content.decode()
    assert "Página 2 de 3" in second and "ABONO 1" in second


def test_movements_query_count_does_not_grow_with_history(client, member):
    _, account = member
    with CaptureQueriesContext(connection) as few:
        client.get(movements_url(account))
    _bulk_history(account, 10_000)
    with CaptureQueriesContext(connection) as many:
        response = client.get(movements_url(account))
    assert "Página 1 de" in response.content.decode()
    assert len(many) == len(few)


def _bulk_history(account, n):
    """10,000 balanced movements, inserted in bulk (the posting service is tested elsewhere)."""
    cash = internal_account_id(InternalAccount.CASH)
    now = timezone.now()
    txns = Transaction.objects.bulk_create(
        Transaction(
            kind="DEPOSITO",
            channel="VENTANILLA",
            idempotency_key=f"bulk-{i}",
            fingerprint="x",
            posted_at=now - timedelta(minutes=i),
        )
        for i in range(n)
    )
    if connection.vendor == "sqlite":  # bulk_create on SQLite returns no ids before 3.35
        txns = list(Transaction.objects.filter(idempotency_key__startswith="bulk-").order_by("id"))
    balance = account.balance
    entries = []
    for txn in txns:
        balance += Decimal("1.00")
        entries += [
            Entry(
                transaction=txn,
                account=account,
                amount=Decimal("1.00"),
                balance_after=balance,
                description="ABONO",
                posted_at=txn.posted_at,
            ),
            Entry(
                transaction=txn,
                account_id=cash,
                amount=Decimal("-1.00"),
                balance_after=0,
                description="ABONO",
                posted_at=txn.posted_at,
            ),
        ]
    Entry.objects.bulk_create(entries, batch_size=2000)
    Account.objects.filter(pk=account.pk).update(balance=balance, available=balance)


def test_xlsx_download_has_the_rows_and_no_formulas(client, member):
    _, account = member
    deposit(account, "2.00", description='=HYPERLINK("http://evil","clic")')
    response = client.get(
        reverse("accounts:movements_download", args=[account.number, "xlsx"]) + "?periodo=hoy"
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        'attachment; filename="movimientos_410100000001'
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[3] == ("Referencia", "Fecha", "Tipo", "Concepto", "Débitos", "Créditos", "Saldo")
    concepts = [r[3] for r in rows[4:]]
    assert "DEPÓSITO AHORROS" in concepts
    assert '\'=HYPERLINK("http://evil","clic")' in concepts
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert [r[5] for r in rows[4:]] == [2, Decimal("1234.56")] or [r[5] for r in rows[4:]] == [
        2,
        1234.56,
    ]


def test_pdf_download_lists_the_movements_with_the_type_the_page_shows(client, member):
    _, account = member
    response = client.get(
        reverse("accounts:movements_download", args=[account.number, "pdf"]) + "?periodo=hoy"
    )
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "410100000001" in text and "DEPÓSITO AHORROS" in text and "1,234.56" in text
    # The type as the movements page names it (tests/accounts/test_exports_dates.py), not a
    # code with a legend.
    assert "N/C" not in text and "(N/D)" not in text


def test_bad_filters_on_download_redirect_with_a_message(client, member):
    _, account = member
    url = reverse("accounts:movements_download", args=[account.number, "pdf"])
    response = client.get(
        url + "?periodo=personalizado&desde=2000-01-01&hasta=2000-01-02", follow=True
    )
    assert "12 meses" in response.content.decode()


# -- receipts -----------------------------------------------------------------------------------
def test_receipt_shows_the_operation_and_masks_accounts(client, member):
    _, account = member
    txn = Transaction.objects.get(entries__account=account)
    html = client.get(reverse("accounts:receipt", args=[txn.receipt_number])).content.decode()
    assert f"COMPROBANTE N.º {txn.receipt_number}" in html
    assert "$ 1,234.56" in html and "Ventanilla" in html and "*****0001" in html
    assert "410100000001" not in html


def test_another_members_receipt_is_a_404(client, member, outsider):
    txn = Transaction.objects.get(entries__account__owner=outsider.customer)
    assert client.get(reverse("accounts:receipt", args=[txn.receipt_number])).status_code == 404
    assert client.get(reverse("accounts:receipt", args=["99999999"])).status_code == 404


def test_receipt_prints_as_pdf(client, member):
    _, account = member
    txn = Transaction.objects.get(entries__account=account)
    response = client.get(reverse("accounts:receipt", args=[txn.receipt_number]) + "?formato=pdf")
    text = pdf_text(response.content)
    assert f"COMPROBANTE N.º {txn.receipt_number}" in text and "$ 1,234.56" in text


# -- statements ---------------------------------------------------------------------------------
def test_statement_pdf_has_the_period_balances_and_movements(client, member):
    _user, account = member
    month = timezone.localdate().replace(day=1)
    response = client.get(
        reverse("accounts:statement"), {"cuenta": account.number, "mes": f"{month:%Y-%m}"}
    )
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "ESTADO DE CUENTA" in text and "ANA PÉREZ" in text and "1714307103" in text
    assert "410100000001" in text and "DEPÓSITO AHORROS" in text
    assert "SALDO ANTERIOR: $ 0.00" in text and "SALDO ACTUAL: $ 1,234.56" in text
    assert "0958678700" in text


@pytest.mark.parametrize(
    "month, message",
    [("2026-99", "no es válido"), ("2999-01", "futuro"), ("1999-01", "últimos 12 meses")],
)
def test_statement_bad_month_gets_a_message(client, member, month, message):
    _, account = member
    response = client.get(reverse("accounts:statement"), {"cuenta": account.number, "mes": month})
    assert response.status_code == 200 and message in response.content.decode()


def test_statement_of_another_members_account_is_refused(client, member, outsider):
    other = outsider.customer.accounts.get()
    response = client.get(reverse("accounts:statement"), {"cuenta": other.number, "mes": "2026-01"})
    assert response["Content-Type"].startswith("text/html")
    assert "Selecciona una de tus cuentas" in response.content.decode()


def test_a_large_statement_is_built_in_the_background(
    client, member, settings, django_capture_on_commit_callbacks
):
    _, account = member
    settings.EXPORT_SYNC_MAX_ROWS = 0
    month = timezone.localdate().replace(day=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            reverse("accounts:statement"), {"cuenta": account.number, "mes": f"{month:%Y-%m}"}
        )
    assert response.status_code == 302
    job = ExportJob.objects.get()
    status = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert job.pk and "Listo" in status and "Descargar" in status
    download = client.get(reverse("accounts:export_file", args=[job.pk]))
    assert "ESTADO DE CUENTA" in pdf_text(b"".join(download.streaming_content))


def test_another_users_export_is_a_404(client, member, outsider):
    job = ExportJob.objects.create(
        user=outsider,
        account=outsider.customer.accounts.get(),
        kind=ExportJob.Kind.STATEMENT_PDF,
        status=ExportJob.Status.DONE,
        file_name="x.pdf",
    )
    assert client.get(reverse("accounts:export_status", args=[job.pk])).status_code == 404
    assert client.get(reverse("accounts:export_file", args=[job.pk])).status_code == 404


# -- term deposits ------------------------------------------------------------------------------
def _term_deposit(member, days_ago=100):
    account = AccountFactory(owner=member, product=Product.TERM_DEPOSIT, number="510100000009")
    deposit(account, "1000.00")
    issued = timezone.localdate() - timedelta(days=days_ago)
    return TermDeposit.objects.create(
        number="0010001",
        owner=member,
        account=account,
        payout_account=member.accounts.first(),
        capital=Decimal("1000.00"),
        term_days=365,
        annual_rate=Decimal("7.25"),
        issued_on=issued,
        matures_on=issued + timedelta(days=365),
    )


def test_term_deposit_appears_in_position_and_detail_shows_interest(client, member):
    user, _ = member
    _term_deposit(user.customer, days_ago=100)
    html = client.get("/").content.decode()
    assert "0010001" in html and "365 días" in html and "7.25%" in html
    assert "$ 20.14" in html  # 1000 × 7.25% × 100 / 360
    detail = client.get(reverse("accounts:term_deposit", args=["0010001"])).content.decode()
    assert "$ 73.51" in detail  # at maturity, actual/360


def test_another_members_term_deposit_is_a_404(client, member, outsider):
    _term_deposit(outsider.customer)
    assert client.get(reverse("accounts:term_deposit", args=["0010001"])).status_code == 404


def test_a_forged_statement_month_gets_a_message(client, member):
    _, account = member
    for forged in ("99999999999-01", "2026-1", "2026-01-01", "<script>"):
        response = client.get(
            reverse("accounts:statement"), {"cuenta": account.number, "mes": forged}
        )
        assert response.status_code == 200 and "no es válido" in response.content.decode()


def test_the_statement_page_offers_the_last_closed_month(client, member):
    """The current month is not over: its statement would be partial."""
    today = timezone.localdate()
    last = (today.replace(day=1) - timedelta(days=1)).replace(day=1)

    page = client.get(reverse("accounts:statement")).content.decode()

    assert f'name="mes" value="{last:%Y-%m}"' in page
    assert f'value="{today:%Y-%m}"' not in page


def test_a_loan_whose_instalment_date_has_passed_shows_as_overdue(client, member):
    from credits.models import Loan

    user, _account = member
    today = timezone.localdate()
    loan = dict(
        owner=user.customer,
        product_name="CONSUMO AGIL",
        amount=Decimal("1000.00"),
        outstanding=Decimal("855.18"),
        instalment=Decimal("49.66"),
        instalments=24,
        annual_rate=Decimal("15.600"),
        issued_on=today - timedelta(days=200),
    )
    Loan.objects.create(number="0119474000", next_due_on=today - timedelta(days=3), **loan)
    Loan.objects.create(number="0119474001", next_due_on=today + timedelta(days=3), **loan)

    page = client.get(reverse("accounts:position")).content.decode()

    overdue = page[page.index("0119474000") : page.index("0119474001")]
    assert 'data-testid="loan-overdue">VENCIDO</span>' in overdue and "VIGENTE" not in overdue
    assert "VIGENTE" in page[page.index("0119474001") :]
