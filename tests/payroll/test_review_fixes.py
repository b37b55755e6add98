"""Edges of a bulk payment found in review: refunds that a dead worker missed, fees of rows
never sent, who may download a summary, forged row ids, a selection that changed under the
code, payroll not eating the company's retail transfer limits, abandoned imports."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Account, InternalAccount
from accounts.services.integrity import ledger_problems
from accounts.services.ledger import internal_account_id
from enterprise.models import CompanyUser
from payroll.models import PayrollBatch, PayrollRow
from payroll.services import execution
from payroll.services.batches import PayrollError, batch_pay
from payroll.services.importer import imports_stale_fail
from payroll.tasks import payroll_resume
from tests.auth import sign_in
from tests.payroll.test_execution import balance, clearing, pay
from transfers.models import Institution, LimitCategory
from transfers.services.limits import used_of

pytestmark = pytest.mark.django_db

Payment = PayrollRow.Payment


def test_a_refund_the_worker_never_posted_is_found_and_posted(company, batch, monkeypatch):
    closed = batch.rows.get(line=3)
    Account.objects.filter(pk=closed.account_id).update(status=Account.Status.CLOSED)
    order = pay(company, batch, user=company.admin)
    real = execution._refund_rejected

    def dies(order):
        raise SystemExit("worker killed before the refund")

    monkeypatch.setattr(execution, "_refund_rejected", dies)
    with pytest.raises(SystemExit):
        execution.rows_pay(order_id=order.pk)
    assert clearing() == Decimal("380.50")
    assert execution.orders_unfinished() == [order.pk]

    monkeypatch.setattr(execution, "_refund_rejected", real)
    assert payroll_resume() == 1
    assert clearing() == Decimal("0.00")
    assert execution.orders_unfinished() == []
    assert ledger_problems() == []


def test_a_row_for_a_bank_no_longer_active_gets_its_fee_and_vat_back(company, batch):
    row = batch.rows.get(line=5)
    order = pay(company, batch, user=company.admin)
    Institution.objects.filter(pk=row.institution_id).update(active=False)
    execution.rows_pay(order_id=order.pk)
    row.refresh_from_db()
    assert row.payment == Payment.REJECTED
    assert balance(company.account) == Decimal("10000.00") - Decimal("930.49")
    fees = Account.objects.get(pk=internal_account_id(InternalAccount.FEE_INCOME)).balance
    assert fees == Decimal("0.00") and clearing() == Decimal("0.00")
    assert ledger_problems() == []


def test_a_summary_needs_what_the_order_page_needs(company, batch):
    order = pay(company, batch, user=company.admin)
    execution.rows_pay(order_id=order.pk)
    profile = CompanyUser.objects.get(user=company.maker)
    profile.services = ["TRANSF_PROPIAS"]
    profile.save(update_fields=["services"])
    client = Client()
    sign_in(client, company.maker.username)
    assert client.get(f"/empresa/ordenes/{order.pk}/").status_code == 403
    assert client.get(f"/empresa/ordenes/{order.pk}/resumen.xlsx").status_code == 403


@pytest.mark.parametrize("value", ["²", "1²", "١٢", "9" * 30])
def test_forged_row_ids_are_refused_without_an_error(company, batch, value):
    client = Client()
    sign_in(client, company.maker.username)
    url = f"/empresa/pagos-masivos/{batch.pk}/pagar/"
    assert client.get(url, {"filas": value}).status_code in (200, 302)
    response = client.post(url, {"rows": value, "memo": "x", "debit_account": company.account.pk})
    assert response.status_code in (200, 302)
    assert not PayrollRow.objects.exclude(payment=Payment.NONE).exists()


def test_a_selection_that_changed_under_the_code_is_refused(company, batch):
    with pytest.raises(PayrollError, match="Las filas por pagar cambiaron"):
        batch_pay(
            user=company.maker,
            batch=batch,
            row_ids=None,
            debit_account=company.account,
            memo="Sueldos",
            key="k9",
            expected_digest="0" * 64,
        )
    assert not PayrollRow.objects.exclude(payment=Payment.NONE).exists()


def test_bulk_payments_to_other_banks_do_not_use_the_retail_interbank_limit(company, batch):
    order = pay(company, batch, user=company.admin)
    execution.rows_pay(order_id=order.pk)
    assert batch.rows.get(line=5).transfer is not None  # sent today, $ 200.00
    assert used_of(company.member, LimitCategory.INTERBANK) == (Decimal("0"),) * 3


def test_an_abandoned_import_ends_with_a_message_and_its_file_is_deleted(company, tmp_path):
    upload = tmp_path / "nomina.xlsx"
    upload.write_bytes(b"PK")
    stale = PayrollBatch.objects.create(
        company=company, name="Vieja", created_by=company.maker, source_path=str(upload)
    )
    fresh = PayrollBatch.objects.create(company=company, name="Nueva", created_by=company.maker)
    PayrollBatch.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert imports_stale_fail() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == PayrollBatch.Status.UNREADABLE
    assert stale.error == "La importación no terminó. Vuelve a cargar el archivo."
    assert not upload.exists() and fresh.status == PayrollBatch.Status.IMPORTING
