"""A long statement or movements list is rendered PDF_CHUNK_ROWS rows at a time and joined: the
person still gets one document, every row once, the head on the first page, the totals on the
last, the column heads on every page and the pages numbered across the whole."""

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import Channel, ExportJob, InternalAccount, TransactionKind
from accounts.services import documents
from accounts.services.ledger import Leg, internal_account_id, transaction_post
from tests.factories import AccountFactory, UserFactory, key

pytestmark = pytest.mark.django_db

# Deposits and withdrawals of the month, each with a description found once in the document.
MOVES = ["1000.00", "-12.50", "250.25", "-100.00", "40.00", "-7.75", "3.10"]


def post(account, amount: str, description: str):
    amount = Decimal(amount)
    kind = TransactionKind.DEPOSIT if amount > 0 else TransactionKind.WITHDRAWAL
    transaction_post(
        kind=kind,
        legs=[
            Leg(account.pk, amount, description),
            Leg(internal_account_id(InternalAccount.CASH), -amount, description),
        ],
        idempotency_key=key(),
        channel=Channel.BRANCH,
    )


@pytest.fixture
def member(client, settings):
    settings.PDF_CHUNK_ROWS = 4  # 7 movements: two parts
    settings.EXPORT_SYNC_MAX_ROWS = 0  # every download is a background job
    user = UserFactory()
    account = AccountFactory(owner=user.customer, number="410100000123")
    for n, amount in enumerate(MOVES, 1):
        post(account, amount, f"MOVIMIENTO {n:02d}")
    client.force_login(user)
    return user, account


def pages_of(content: bytes) -> list[str]:
    assert content.startswith(b"%PDF")
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def job_file(client, response) -> tuple[ExportJob, bytes]:
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE, job.error
    download = client.get(reverse("accounts:export_file", args=[job.pk]))
    return job, b"".join(download.streaming_content)


def assert_numbered_with_heads(pages: list[str], head: str) -> None:
    total = len(pages)
    assert total >= 2  # the second part starts on a page of its own
    for number, page in enumerate(pages, 1):
        assert f"Página {number} de {total}" in page
        assert head in page  # the table's column heads repeat on every page


def test_a_statement_in_two_parts_is_one_document_with_every_row(
    client, member, django_capture_on_commit_callbacks
):
    _, account = member
    month = timezone.localdate().replace(day=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            reverse("accounts:statement"), {"cuenta": account.number, "mes": f"{month:%Y-%m}"}
        )
    job, content = job_file(client, response)
    assert job.total_rows == len(MOVES)
    pages = pages_of(content)
    text = "\n".join(pages)
    assert_numbered_with_heads(pages, "N.º doc.")
    found = re.findall(r"MOVIMIENTO \d\d", text)
    assert found == [f"MOVIMIENTO {n:02d}" for n in range(1, len(MOVES) + 1)]  # once, in order
    assert "ESTADO DE CUENTA" in pages[0] and "SALDO INICIAL" in pages[0]
    assert text.count("ESTADO DE CUENTA") == 1 and text.count("SALDO INICIAL") == 1
    assert "TOTALES / SALDO FINAL 120.25 1,293.35 1,173.10" in pages[-1]
    assert text.count("TOTALES / SALDO FINAL") == 1
    assert "SALDO ACTUAL: $ 1,173.10" in pages[0]


def test_the_statement_sums_come_out_the_same_in_one_piece(member, settings):
    """The same month below PDF_CHUNK_ROWS: one render, the same totals."""
    _, account = member
    settings.PDF_CHUNK_ROWS = 500
    context = documents.statement_context(
        account=account, month=timezone.localdate().replace(day=1)
    )
    assert (context["total_debits"], context["total_credits"]) == (
        Decimal("120.25"),
        Decimal("1293.35"),
    )
    pages = pages_of(documents.statement_pdf(context))
    assert len(pages) == 1 and "Página 1 de 1" in pages[0]
    assert "TOTALES / SALDO FINAL 120.25 1,293.35 1,173.10" in pages[0]


def test_a_movements_pdf_in_two_parts_is_one_document_with_every_row(
    client, member, django_capture_on_commit_callbacks
):
    _, account = member
    url = reverse("accounts:movements_download", args=[account.number, "pdf"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url + "?periodo=hoy")
    job, content = job_file(client, response)
    assert job.total_rows == len(MOVES)
    pages = pages_of(content)
    text = "\n".join(pages)
    assert_numbered_with_heads(pages, "CONCEPTO")
    found = re.findall(r"MOVIMIENTO \d\d", text)
    assert found == [f"MOVIMIENTO {n:02d}" for n in range(len(MOVES), 0, -1)]  # newest first
    assert "Cuenta: 410100000123" in pages[0] and text.count("Cuenta: 410100000123") == 1
    assert "Generado el" in pages[-1] and text.count("Generado el") == 1
