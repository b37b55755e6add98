"""Paying a bulk payment: one debit of the company, members credited, other banks queued for the
cycles, each row's fate kept; exactly once per row even when a worker dies midway."""

import uuid
from decimal import Decimal

import pytest

from accounts.models import Account, InternalAccount
from accounts.services.integrity import ledger_problems
from accounts.services.ledger import internal_account_id
from enterprise.models import ApprovalOrder
from enterprise.selectors.queries import beneficiary_list_for_order
from enterprise.services.approvals import order_approve, order_reject
from payroll.models import PayrollRow
from payroll.services import execution
from payroll.services.batches import PayrollError, batch_pay, batch_payment_preview
from payroll.tasks import payroll_resume
from tests.transfers.conftest import cycle_moment
from transfers.models import Institution, Transfer
from transfers.services import settlement

pytestmark = pytest.mark.django_db

Payment = PayrollRow.Payment


def balance(account) -> Decimal:
    return Account.objects.get(pk=account.pk).balance


def clearing() -> Decimal:
    return Account.objects.get(pk=internal_account_id(InternalAccount.PAYROLL_CLEARING)).balance


def pay(company, batch, user=None, rows=None, key="k1"):
    return batch_pay(
        user=user or company.maker,
        batch=batch,
        row_ids=rows,
        debit_account=company.account,
        memo="Sueldos noviembre",
        key=key,
    )


def test_an_approved_batch_pays_every_row_once(company, batch, django_capture_on_commit_callbacks):
    preview = batch_payment_preview(batch=batch)
    assert (preview.count, preview.total, preview.interbank_count) == (4, Decimal("1130.49"), 1)
    assert (preview.fee, preview.vat) == (Decimal("0.36"), Decimal("0.05"))
    order = pay(company, batch)
    assert order.status == ApprovalOrder.Status.PENDING
    assert order.amount == Decimal("1130.49") and order.charges == Decimal("0.41")
    assert set(batch.rows.values_list("payment", flat=True)) == {Payment.PENDING}
    assert Account.objects.get(pk=company.account.pk).available == Decimal("8869.10")
    # The same confirm again registers nothing new.
    assert pay(company, batch).pk == order.pk

    with django_capture_on_commit_callbacks(execute=True):
        # The company has no bands for bulk payments yet: one A signature.
        order = order_approve(user=company.approver_a, order_id=order.pk)
    assert order.status == ApprovalOrder.Status.EXECUTED
    rows = {row.line: row for row in batch.rows.select_related("transfer", "account")}
    assert [rows[line].payment for line in (2, 3, 4)] == [Payment.PAID] * 3
    assert rows[2].account.balance == Decimal("451.00")
    assert rows[5].payment == Payment.SENT
    transfer = rows[5].transfer
    assert (transfer.status, transfer.amount, transfer.fee, transfer.vat) == (
        Transfer.Status.PENDING,
        Decimal("200.00"),
        Decimal("0.36"),
        Decimal("0.05"),
    )
    assert transfer.settlement == Institution.Settlement.BATCH
    company.account.refresh_from_db()
    assert company.account.balance == company.account.available == Decimal("8869.10")
    assert clearing() == Decimal("0.00")
    assert ledger_problems() == []

    # Running it again (a retried task) pays nobody twice.
    assert execution.rows_pay(order_id=order.pk) == {"paid": 0, "sent": 0, "rejected": 0}
    assert rows[2].account.balance == Account.objects.get(pk=rows[2].account_id).balance

    # Consultas → Beneficiarios: each row with its own state.
    states = [(b.name, b.status) for b in beneficiary_list_for_order(order)]
    assert states[0][1] == "Pagado" and states[3] == ("FANNY ONTANEDA", "Pendiente de envío")


def test_a_worker_killed_midway_resumes_and_pays_each_row_once(company, batch, monkeypatch):
    order = pay(company, batch, user=company.admin)  # an administrator's executes at once
    assert order.status == ApprovalOrder.Status.EXECUTED
    before = {row.pk: balance(row.account) for row in batch.rows.exclude(account=None)}
    real, calls = execution._chunk_pay, []

    def dies_on_second_chunk(order, size):
        calls.append(size)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real(order, size)

    monkeypatch.setattr(execution, "_chunk_pay", dies_on_second_chunk)
    with pytest.raises(SystemExit):
        execution.rows_pay(order_id=order.pk, chunk=1)
    assert batch.rows.filter(payment=Payment.PAID).count() == 1
    assert execution.orders_unfinished() == [order.pk]

    monkeypatch.setattr(execution, "_chunk_pay", real)
    assert payroll_resume() == 1
    for row in batch.rows.exclude(account=None):
        assert balance(row.account) == before[row.pk] + row.amount
    assert batch.rows.filter(payment=Payment.PENDING).count() == 0
    assert clearing() == Decimal("0.00") and ledger_problems() == []


def test_rows_that_cannot_be_paid_return_to_the_company(company, batch):
    closed = batch.rows.get(line=3)
    Account.objects.filter(pk=closed.account_id).update(status=Account.Status.CLOSED)
    order = pay(company, batch, user=company.admin)
    execution.rows_pay(order_id=order.pk)
    closed.refresh_from_db()
    assert closed.payment == Payment.REJECTED
    assert closed.payment_reason == "La cuenta de destino ya no está activa."
    assert balance(company.account) == Decimal("10000.00") - Decimal("1130.49") - Decimal(
        "0.41"
    ) + Decimal("380.50")
    assert clearing() == Decimal("0.00") and ledger_problems() == []


def test_a_rejected_order_gives_its_rows_back(company, batch):
    order = pay(company, batch)
    order_reject(user=company.approver_b, order_id=order.pk, reason="Montos errados")
    assert set(batch.rows.values_list("payment", flat=True)) == {Payment.NONE}
    assert not batch.rows.filter(order__isnull=False).exists()
    assert Account.objects.get(pk=company.account.pk).available == Decimal("10000.00")
    assert batch_payment_preview(batch=batch).count == 4


def test_a_row_changed_after_registration_stops_the_execution(company, batch):
    order = pay(company, batch)
    PayrollRow.objects.filter(batch=batch, line=2).update(account_number="4101999999")
    order = order_approve(user=company.approver_a, order_id=order.pk)
    assert order.status == ApprovalOrder.Status.FAILED
    assert order.failure_reason.startswith("La nómina cambió después de registrarse la orden")
    assert Account.objects.get(pk=company.account.pk).available == Decimal("10000.00")
    assert set(batch.rows.values_list("payment", flat=True)) == {Payment.NONE}


def test_only_selected_payable_rows_are_paid(company, batch):
    first, second = batch.rows.order_by("line")[:2]
    order = pay(company, batch, rows=[first.pk])
    assert order.payload["rows"] == 1 and order.amount == first.amount
    with pytest.raises(PayrollError, match="ya no se puede pagar"):
        pay(company, batch, rows=[first.pk, second.pk], key="k2")
    assert pay(company, batch, rows=[second.pk], key="k3").amount == second.amount


def test_a_returned_interbank_row_reads_devuelto_and_the_money_comes_back(
    company, batch, settings, tmp_path
):
    settings.VAR_DIR = tmp_path / "var"
    settings.SPI_GATEWAY = "transfers.services.gateway.SimulatedGateway"
    settings.INTERBANK_RETURN_REFUNDS_FEE = False
    PayrollRow.objects.filter(batch=batch, line=5).update(account_number="2200005599")
    order = pay(company, batch, user=company.admin)
    execution.rows_pay(order_id=order.pk)
    before = balance(company.account)

    settlement.cycle_run(now=cycle_moment())
    settlement.results_apply()

    row = batch.rows.select_related("transfer").get(line=5)
    assert row.transfer.status == Transfer.Status.RETURNED
    states = {b.name: (b.status, b.reason) for b in beneficiary_list_for_order(order)}
    assert states["FANNY ONTANEDA"] == ("Devuelto", "CUENTA CERRADA")
    assert balance(company.account) == before + Decimal("200.00")
    assert ledger_problems() == []


def test_resuming_is_scheduled_every_minute_in_the_database():
    from django_celery_beat.models import PeriodicTask

    resume = PeriodicTask.objects.get(task="payroll.tasks.payroll_resume")
    assert (resume.interval.every, resume.interval.period) == (60, "seconds")


def test_the_company_gets_a_summary_of_every_row(company, batch):
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    from payroll.services.reports import summary_pdf, summary_xlsx

    PayrollRow.objects.filter(batch=batch, line=4).update(name="=HYPERLINK(1)")
    order = pay(company, batch, user=company.admin)
    execution.rows_pay(order_id=order.pk)
    sheet = load_workbook(io.BytesIO(summary_xlsx(order))).active
    values = [row for row in sheet.iter_rows(values_only=True) if row and row[0] is not None]
    lines = {row[0]: row for row in values if isinstance(row[0], int)}
    assert set(lines) == {2, 3, 4, 5}
    assert lines[2][6] == "Pagado" and lines[5][6] == "Pendiente de envío"
    assert lines[4][2] == "'=HYPERLINK(1)"  # text, never a formula
    assert values[-1][0] == "Total" and values[-1][5] == 1130.49
    pdf = summary_pdf(order)
    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Resumen de pago masivo" in text and "FANNY ONTANEDA" in text and "1,130.49" in text


def test_the_summary_downloads_from_the_order_page(company, batch):
    from django.test import Client

    from tests.auth import sign_in

    order = pay(company, batch, user=company.admin, key=str(uuid.uuid4()))
    assert len(order.key) <= 80
    execution.rows_pay(order_id=order.pk)
    client = Client()
    sign_in(client, company.maker.username)
    page = client.get(f"/empresa/ordenes/{order.pk}/").content.decode()
    assert "4 filas." in page and f"/empresa/ordenes/{order.pk}/resumen.pdf" in page
    response = client.get(f"/empresa/ordenes/{order.pk}/resumen.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="pago_masivo_{order.pk}.xlsx"'
    assert client.get(f"/empresa/ordenes/{order.pk}/resumen.pdf").content.startswith(b"%PDF")
    assert client.get(f"/empresa/ordenes/{order.pk}/resumen.csv").status_code == 404
