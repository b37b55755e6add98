"""A receipt describes the reader's own entry of a transaction: their amount, their account, the
payer — never another beneficiary of the same posting (a bulk payment pays up to 500 people in one
transaction)."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Channel, Entry, InternalAccount, Transaction, TransactionKind
from accounts.services.ledger import Leg, internal_account_id, transaction_post
from enterprise.services.approvals import order_approve
from payroll.services.batches import batch_pay
from tests.factories import AccountFactory, UserFactory, deposit, key
from transfers.models import Transfer
from transfers.services import settlement

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def receipt_html(client, user, txn) -> str:
    client.force_login(user)
    response = client.get(reverse("accounts:receipt", args=[txn.receipt_number]))
    assert response.status_code == 200
    return response.content.decode()


def receipt_pdf(client, user, txn) -> str:
    client.force_login(user)
    url = reverse("accounts:receipt", args=[txn.receipt_number]) + "?formato=pdf"
    response = client.get(url)
    assert response.status_code == 200
    return pdf_text(response.content)


def paid_batch(company, batch, django_capture_on_commit_callbacks):
    order = batch_pay(
        user=company.maker,
        batch=batch,
        row_ids=None,
        debit_account=company.account,
        memo="Sueldos",
        key="receipts",
    )
    with django_capture_on_commit_callbacks(execute=True):
        order_approve(user=company.approver_a, order_id=order.pk)
    return order


def test_each_payee_of_a_bulk_payment_reads_only_their_own_credit(
    client, company, batch, django_capture_on_commit_callbacks
):
    paid_batch(company, batch, django_capture_on_commit_callbacks)
    rows = list(batch.rows.filter(interbank=False).select_related("account__owner"))
    assert len({row.transaction_id for row in rows}) == 1, "one posting pays the whole chunk"
    txn = rows[0].transaction
    for row in rows:
        reader = UserFactory(customer=row.account.owner)
        others = [r for r in rows if r.pk != row.pk]
        for text in (receipt_html(client, reader, txn), receipt_pdf(client, reader, txn)):
            assert f"$ {row.amount:,.2f}" in text
            assert row.account.masked_number in text
            assert "COMERCIAL ANDINA S.A." in text  # the payer
            for other in others:
                assert other.account.owner.full_name not in text
                assert other.account.masked_number not in text
                assert f"$ {other.amount:,.2f}" not in text


def test_a_chunk_of_many_payees_each_reads_their_own_amount(client):
    payees = [AccountFactory() for _ in range(12)]
    amounts = [Decimal(f"{100 + n}.{n:02d}") for n in range(12)]
    clearing = internal_account_id(InternalAccount.PAYROLL_CLEARING)
    memo = "ACREDITACIÓN PAGO MASIVO EMPRESA"
    txn = transaction_post(
        kind=TransactionKind.SALARY,
        legs=[Leg(clearing, -sum(amounts), memo)]
        + [Leg(a.pk, amount, memo) for a, amount in zip(payees, amounts, strict=True)],
        idempotency_key=key(),
        channel=Channel.ENTERPRISE,
        memo=memo,
        details={"payer": {"name": "EMPRESA DE PRUEBA S.A."}},
    )
    for n in (0, 5, 11):
        html = receipt_html(client, UserFactory(customer=payees[n].owner), txn)
        assert f"$ {amounts[n]:,.2f}" in html and payees[n].masked_number in html
        assert "EMPRESA DE PRUEBA S.A." in html
        shown = [m for m, amount in enumerate(amounts) if f"$ {amount:,.2f}" in html]
        assert shown == [n]
        assert [m for m, a in enumerate(payees) if a.owner.full_name in html] == [n]


def test_the_paying_company_reads_its_debit_fee_and_vat_not_a_payee(
    client, company, batch, django_capture_on_commit_callbacks
):
    order = paid_batch(company, batch, django_capture_on_commit_callbacks)
    debit = Transaction.objects.get(idempotency_key=f"payroll:{order.pk}:debit")
    html = receipt_html(client, company.admin, debit)
    assert "$ 1,130.49" in html  # the rows
    assert "$ 0.36" in html and "$ 0.05" in html  # one interbank row's fee and VAT
    assert "$ 1,130.90" in html  # total
    assert company.account.masked_number in html
    for row in batch.rows.filter(interbank=False).select_related("account__owner"):
        assert row.account.owner.full_name not in html


def test_a_refund_of_rejected_rows_reads_as_the_companys_credit(
    client, company, batch, django_capture_on_commit_callbacks
):
    from accounts.models import Account

    closed = batch.rows.get(line=3)
    Account.objects.filter(pk=closed.account_id).update(status=Account.Status.CLOSED)
    order = paid_batch(company, batch, django_capture_on_commit_callbacks)
    refund = Transaction.objects.get(idempotency_key=f"payroll:{order.pk}:refund")
    html = receipt_html(client, company.admin, refund)
    assert f"$ {closed.amount:,.2f}" in html
    assert company.account.masked_number in html
    assert closed.account.owner.full_name not in html


def test_a_payee_reads_the_payer_of_a_member_transfer(client):
    payer, payee = AccountFactory(), AccountFactory()
    deposit(payer, "100.00")
    txn = transaction_post(
        kind=TransactionKind.INTERNAL_TRANSFER,
        legs=[
            Leg(payer.pk, Decimal("-40.00"), "TRANSFERENCIA A CUENTA TERCEROS"),
            Leg(payee.pk, Decimal("40.00"), "TRANSFERENCIA DE CUENTA TERCEROS"),
        ],
        idempotency_key=key(),
        channel=Channel.WEB,
    )
    html = receipt_html(client, UserFactory(customer=payee.owner), txn)
    assert "$ 40.00" in html and payee.masked_number in html
    assert payer.owner.full_name in html  # who sent it
    assert payer.number not in html and payee.number not in html


def test_a_settlement_return_reads_as_the_senders_refund(client, settings):
    from tests.factories import funded_member
    from transfers.models import Institution

    settings.INTERBANK_RETURN_REFUNDS_FEE = True
    sender = funded_member("100.00")
    origin = sender.customer.accounts.get()
    bank = Institution.objects.filter(active=True, is_self=False).order_by("code").first()
    # The money left the member first (as the transfer service posts it).
    sent = transaction_post(
        kind=TransactionKind.INTERBANK_TRANSFER,
        legs=[
            Leg(origin.pk, Decimal("-20.00"), "ND"),
            Leg(internal_account_id(InternalAccount.INTERBANK_CLEARING), Decimal("20.00"), "ND"),
            Leg(origin.pk, Decimal("-0.36"), "C", Entry.Role.FEE),
            Leg(internal_account_id(InternalAccount.FEE_INCOME), Decimal("0.36"), "C"),
            Leg(origin.pk, Decimal("-0.05"), "I", Entry.Role.VAT),
            Leg(internal_account_id(InternalAccount.VAT_PAYABLE), Decimal("0.05"), "I"),
        ],
        idempotency_key=key(),
        channel=Channel.WEB,
    )
    transfer = Transfer.objects.create(
        kind=Transfer.Kind.INTERBANK,
        status=Transfer.Status.SENT,
        member=sender.customer,
        initiated_by=sender,
        channel=Channel.WEB,
        origin=origin,
        institution=bank,
        to_account_number="2200123499",
        to_account_type="AHORROS",
        to_name="OTRA PERSONA",
        to_id_type="CEDULA",
        to_identification="1710034065",
        amount=Decimal("20.00"),
        fee=Decimal("0.36"),
        vat=Decimal("0.05"),
        idempotency_key=key(),
        transaction=sent,
        process_date="2026-12-07",
    )
    refund = settlement.return_post(transfer, "CUENTA CERRADA")
    entries = Entry.objects.filter(transaction=refund, account=origin)
    assert sum(e.amount for e in entries) == Decimal("20.41")
    html = receipt_html(client, sender, refund)
    assert "$ 20.00" in html and "$ 0.36" in html and "$ 0.05" in html and "$ 20.41" in html
    assert origin.masked_number in html
