"""One format per context: the movements page, its PDF and its XLSX name a movement's type the
same way; spreadsheets hold real dates and numbers (a sheet sorts and adds them), documents
print dates as the screens do ("24/ene./2026")."""

import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import Channel, Entry, InternalAccount, TransactionKind
from accounts.services import documents
from accounts.services.ledger import Leg, internal_account_id, transaction_post
from common.formatting import date_short, datetime_short
from common.spreadsheets import DATE_FORMAT, DATETIME_FORMAT, MONEY_FORMAT
from enterprise.selectors.queries import OrderLine
from enterprise.services.exports import orders_xlsx
from tests.factories import AccountFactory, UserFactory, deposit, key

pytestmark = pytest.mark.django_db

ROW = re.compile(
    r"<tr>\s*<td><a [^>]*>(?P<receipt>\d{8})</a></td>\s*<td>[^<]*</td>\s*<td>(?P<type>[^<]*)</td>"
)


def post(account, amount: str, kind: str, description: str, counter=InternalAccount.CASH):
    amount = Decimal(amount)
    return transaction_post(
        kind=kind,
        legs=[
            Leg(account.pk, amount, description),
            Leg(internal_account_id(counter), -amount, description),
        ],
        idempotency_key=key(),
        channel=Channel.WEB,
    )


@pytest.fixture
def member(client):
    """A deposit, a withdrawal, a credit and a debit note: the four types the page names."""
    user = UserFactory()
    account = AccountFactory(owner=user.customer, number="410100000077")
    deposit(account, "16721.07")
    post(account, "-21.07", TransactionKind.WITHDRAWAL, "RETIRO DE AHORROS")
    post(account, "100.00", TransactionKind.INTERNAL_TRANSFER, "TRANSFERENCIA RECIBIDA")
    post(account, "-35.50", TransactionKind.BILL_PAYMENT, "PAGO LUZ ELÉCTRICA")
    client.force_login(user)
    return user, account


def download(client, account, fmt: str):
    url = reverse("accounts:movements_download", args=[account.number, fmt])
    response = client.get(url + "?periodo=hoy")
    assert response.status_code == 200
    return response.content


def screen_types(client, account) -> dict[str, str]:
    page = client.get(reverse("accounts:movements", args=[account.number])).content.decode()
    return {m["receipt"]: m["type"] for m in ROW.finditer(page)}


def sheet_rows(content: bytes):
    sheet = load_workbook(io.BytesIO(content)).active
    return list(sheet.iter_rows())


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_page_and_the_xlsx_name_each_movement_the_same_way(client, member):
    _, account = member
    on_screen = screen_types(client, account)
    assert sorted(on_screen.values()) == [
        "DEPÓSITO",
        "NOTA DE CRÉDITO",
        "NOTA DE DÉBITO",
        "RETIRO",
    ]
    rows = sheet_rows(download(client, account, "xlsx"))
    assert [c.value for c in rows[3][:3]] == ["Referencia", "Fecha", "Tipo"]
    in_sheet = {row[0].value: row[2].value for row in rows[4:]}
    assert in_sheet == on_screen


def test_the_pdf_prints_the_types_the_page_shows(client, member):
    _, account = member
    text = pdf_text(download(client, account, "pdf"))
    for label in set(screen_types(client, account).values()):
        assert label in text
    assert "N/C" not in text and "N/D" not in text


def test_the_xlsx_holds_dates_and_amounts_not_text(client, member):
    _, account = member
    rows = sheet_rows(download(client, account, "xlsx"))
    since, until = rows[1][1], rows[1][3]
    today = timezone.localdate()
    assert [rows[1][0].value, rows[1][2].value] == ["Desde", "Hasta"]
    assert since.value == datetime.combine(today, datetime.min.time()) == until.value
    assert since.number_format == DATE_FORMAT == "dd/mm/yyyy"
    entries = {
        e.transaction.receipt_number: e
        for e in Entry.objects.filter(account=account).select_related("transaction")
    }
    for reference, when, _type, _concept, debit, credit, balance in rows[4:]:
        entry = entries[reference.value]
        assert isinstance(when.value, datetime) and when.number_format == DATETIME_FORMAT
        local = timezone.localtime(entry.posted_at).replace(tzinfo=None)
        assert abs(when.value - local) < timedelta(seconds=1)  # local time, no time zone
        for cell in (debit, credit, balance):
            assert isinstance(cell.value, int | float) and cell.number_format == MONEY_FORMAT
        assert Decimal(str(balance.value)) == entry.balance_after
        assert Decimal(str(credit.value)) - Decimal(str(debit.value)) == entry.amount
    assert max(Decimal(str(row[5].value)) for row in rows[4:]) == Decimal("16721.07")


def test_the_xlsx_dates_sort_as_dates_and_fit_their_column(client, member):
    _, account = member
    content = download(client, account, "xlsx")
    rows = sheet_rows(content)
    moments = [row[1].value for row in rows[4:]]
    assert moments == sorted(moments, reverse=True)  # newest first, as the page lists them
    # "24/01/2026 09:58" is 16 characters: a narrower column shows "#####" instead.
    assert load_workbook(io.BytesIO(content)).active.column_dimensions["B"].width >= 16


def test_documents_print_dates_as_the_screens(client, member):
    _, account = member
    today = timezone.localdate()
    movements = pdf_text(download(client, account, "pdf"))
    assert date_short(today) in movements and f"{today:%d/%m/%Y}" not in movements
    context = documents.statement_context(account=account, month=today.replace(day=1))
    statement = pdf_text(documents.statement_pdf(context))
    assert date_short(today) in statement and f"{today:%d/%m/%Y}" not in statement
    assert "N.º doc." in statement and "Nro." not in statement


def test_the_company_queries_xlsx_holds_dates_and_amounts():
    created = timezone.now() - timedelta(hours=3)
    line = OrderLine(
        pk=7,
        account="*****0077",
        created_at=created,
        authorized_at=None,
        amount=Decimal("16721.07"),
        kind="Transferencia interna",
        concept="Pago proveedor",
        status="Pendiente",
    )
    generated = timezone.now()
    content = orders_xlsx(company="ACME", description="Hoy", generated_at=generated, lines=[line])
    rows = sheet_rows(content)
    stamp = next(row for row in rows if row and row[0].value == "Generado el")[1]
    assert isinstance(stamp.value, datetime) and stamp.number_format == DATETIME_FORMAT
    data = next(row for row in rows if row and row[0].value == 7)
    assert isinstance(data[2].value, datetime) and data[2].number_format == DATETIME_FORMAT
    assert data[3].value is None
    assert data[4].value == pytest.approx(16721.07) and data[4].number_format == MONEY_FORMAT
    total = rows[-1]
    assert total[1].value == "1 operación"  # one, not "1 operaciones"
    assert total[4].value == pytest.approx(16721.07) and total[4].number_format == MONEY_FORMAT


def test_a_date_and_a_datetime_get_their_own_formats():
    from openpyxl import Workbook

    from common.spreadsheets import datetime_cell

    sheet = Workbook(write_only=True).create_sheet()
    assert datetime_cell(sheet, date(2026, 1, 24)).number_format == DATE_FORMAT
    moment = timezone.make_aware(datetime(2026, 1, 24, 9, 58))
    cell = datetime_cell(sheet, moment)
    assert cell.number_format == DATETIME_FORMAT and cell.value.tzinfo is None
    assert datetime_short(moment) == "24/ene./2026 09:58"
