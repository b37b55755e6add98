"""Paying a bill: one posting (amount to payments in transit, fee, VAT), the biller's answer
after it, and every way back: rejected, biller down, unknown → later paid or later failed
(money back exactly once), duplicates, repeats, no funds. The ledger stays sound."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Entry, InternalAccount, Transaction, TransactionKind
from accounts.services.integrity import ledger_problems
from identity.models import Notification
from payments.models import Payment
from payments.services import bills
from payments.services.bills import bill_inquire, bill_pay, payment_status_check
from payments.services.errors import PaymentError
from payments.services.gateway import BillerUnavailable
from tests.factories import AccountFactory

from .helpers import balance, in_transit, order, payer

pytestmark = pytest.mark.django_db

FEE_INCOME, VAT = InternalAccount.FEE_INCOME, InternalAccount.VAT_PAYABLE
SETTLEMENT = InternalAccount.BILLER_SETTLEMENT


@pytest.fixture
def water(biller):
    return biller("agua-epmapa-pedernales")


@pytest.fixture
def recharge(biller):
    return biller("recargas-cnt-paquete")


@pytest.fixture
def member():
    return payer("500.00")


def pay_water(member, water, reference, **extra):
    user, account = member
    [bill] = bill_inquire(biller=water, reference=reference)
    return bill_pay(order=order(user, account, water, reference, bill=bill, **extra))


@pytest.fixture(autouse=True)
def _ledger_sound(db):
    yield
    assert ledger_problems() == []


def _emails():
    return list(Notification.objects.filter(channel="EMAIL").values_list("subject", "body"))


# --- Paid at once ----------------------------------------------------------------------------


def test_a_recharge_is_paid_at_once(member, recharge):
    user, account = member
    settlement_before = balance(SETTLEMENT)
    payment = bill_pay(order=order(user, account, recharge, "0991234567", amount="5.00"))
    assert payment.status == Payment.Status.PAID
    assert len(payment.authorization) == 10
    assert (payment.fee, payment.vat, payment.total) == (Decimal("0"), Decimal("0"), Decimal("5"))
    assert balance(account) == Decimal("495.00")
    # Confirmed: in transit until the settlement sweep moves it on to the biller.
    assert in_transit() == Decimal("5.00")
    assert bills.payments_settle() == 1
    assert in_transit() == Decimal("0.00")
    assert balance(SETTLEMENT) - settlement_before == Decimal("5.00")
    assert payment.bill_number == "" and payment.reference == "0991234567"


def test_a_water_bill_debits_amount_fee_and_vat_in_one_posting(member, water):
    _user, account = member
    fee_before, vat_before = balance(FEE_INCOME), balance(VAT)
    payment = pay_water(member, water, "123473")
    assert payment.status == Payment.Status.PAID
    assert (payment.amount, payment.fee, payment.vat) == (
        Decimal("73.50"),
        Decimal("0.30"),
        Decimal("0.05"),
    )
    assert balance(account) == Decimal("500.00") - Decimal("73.85")
    assert balance(FEE_INCOME) - fee_before == Decimal("0.30")
    assert balance(VAT) - vat_before == Decimal("0.05")
    debit = payment.transaction
    assert debit.kind == TransactionKind.BILL_PAYMENT
    member_legs = sorted(
        (e.role, e.amount) for e in debit.entries.filter(account=account)
    )  # fmt: skip
    assert member_legs == [
        (Entry.Role.FEE, Decimal("-0.30")),
        (Entry.Role.PRINCIPAL, Decimal("-73.50")),
        (Entry.Role.VAT, Decimal("-0.05")),
    ]
    assert in_transit() == Decimal("73.50")
    assert bills.payments_settle() == 1
    payment.refresh_from_db()
    assert payment.settlement_transaction is not None
    assert in_transit() == Decimal("0.00")
    assert payment.bill_number and payment.bill_due_on
    assert _emails() == []  # the person saw it on the screen


# --- Refused: nothing written ----------------------------------------------------------------


def test_insufficient_funds_change_nothing(water):
    user, account = payer("10.00")
    with pytest.raises(PaymentError) as caught:
        pay_water((user, account), water, "123473")
    assert "Fondos insuficientes" in caught.value.message
    assert caught.value.field == "amount"
    assert balance(account) == Decimal("10.00")
    assert not Payment.objects.exists()
    assert not Transaction.objects.filter(kind=TransactionKind.BILL_PAYMENT).exists()


def test_someone_elses_account_is_refused(member, recharge):
    user, _account = member
    other = AccountFactory()
    with pytest.raises(PaymentError) as caught:
        bill_pay(order=order(user, other, recharge, "0991234567", amount="5.00"))
    assert caught.value.field == "origin"
    assert caught.value.message == "Elige una de tus cuentas como origen."


def test_an_inactive_origin_is_refused(member, recharge):
    user, account = member
    account.status = account.Status.INACTIVE
    account.save(update_fields=["status"])
    with pytest.raises(PaymentError) as caught:
        bill_pay(order=order(user, account, recharge, "0991234567", amount="5.00"))
    assert "no está activa" in caught.value.message


def test_reference_and_amount_are_checked_again(member, recharge):
    user, account = member
    with pytest.raises(PaymentError) as caught:
        bill_pay(order=order(user, account, recharge, "09912", amount="5.00"))
    assert caught.value.message == "NUMERO CELULAR debe tener 10 caracteres números"
    with pytest.raises(PaymentError) as caught:
        bill_pay(order=order(user, account, recharge, "0991234567", amount="4.00"))
    assert caught.value.field == "amount"
    assert not Payment.objects.exists()


def test_an_inactive_biller_is_refused(member, recharge):
    user, account = member
    recharge.active = False
    with pytest.raises(PaymentError):
        bill_pay(order=order(user, account, recharge, "0991234567", amount="5.00"))


def test_the_same_bill_is_paid_once(member, water):
    first = pay_water(member, water, "123473")
    _user, account = member
    before = balance(account)
    with pytest.raises(PaymentError) as caught:
        pay_water(member, water, "123473")
    assert caught.value.message == "Esta factura ya fue pagada o tiene un pago en proceso."
    assert balance(account) == before
    assert list(Payment.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_bill_pending_counts_as_paid(member, water):
    assert pay_water(member, water, "123493").status == Payment.Status.PENDING
    with pytest.raises(PaymentError):
        pay_water(member, water, "123493")


def test_a_failed_bill_may_be_paid_again(member, recharge, water):
    user, account = member
    assert pay_water(member, water, "123495").status == Payment.Status.FAILED
    # same bill, a new attempt: allowed (the first one failed and was refunded)
    [bill] = bill_inquire(biller=water, reference="123495")
    again = bill_pay(order=order(user, account, water, "123495", bill=bill))
    assert again.status == Payment.Status.FAILED


def test_the_same_key_returns_the_first_payment(member, recharge):
    user, account = member
    first = bill_pay(order=order(user, account, recharge, "0991234567", amount="5", key="k-x"))
    again = bill_pay(order=order(user, account, recharge, "0991234567", amount="5", key="k-x"))
    assert again.pk == first.pk
    assert balance(account) == Decimal("495.00")
    assert Transaction.objects.filter(idempotency_key="k-x").count() == 1


# --- The biller says no ----------------------------------------------------------------------


def test_a_rejected_payment_gives_everything_back(member, water):
    _user, account = member
    fee_before = balance(FEE_INCOME)
    payment = pay_water(member, water, "123495")
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_reason == "Pago rechazado por la empresa de servicios."
    assert balance(account) == Decimal("500.00")
    assert balance(FEE_INCOME) == fee_before
    assert in_transit() == Decimal("0.00")
    refund = payment.refund_transaction
    assert sum(e.amount for e in refund.entries.filter(account=account)) == Decimal("95.85")


def test_a_biller_down_on_inquiry_raises(water):
    with pytest.raises(BillerUnavailable):
        bill_inquire(biller=water, reference="123498")


def test_a_biller_down_when_paying_gives_the_money_back(member, recharge):
    user, account = member
    payment = bill_pay(order=order(user, account, recharge, "0991234598", amount="10"))
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_reason == (
        "El servicio no está disponible en este momento. Intenta más tarde."
    )
    assert balance(account) == Decimal("500.00")


# --- Unknown: a timeout is never a failure ---------------------------------------------------


def test_a_timeout_stays_pending_then_is_confirmed(member, water, settings):
    settings.PAYMENTS_GATEWAY_TIMEOUT = 0.1
    _user, account = member
    payment = pay_water(member, water, "123497")
    assert payment.status == Payment.Status.PENDING
    assert payment.next_check_at > timezone.now()
    assert balance(account) == Decimal("500.00") - Decimal("97.85")  # still debited
    assert in_transit() == Decimal("97.50")
    settled = payment_status_check(payment_id=payment.pk)
    assert settled.status == Payment.Status.PAID and settled.authorization
    assert bills.payments_settle() == 1
    assert in_transit() == Decimal("0.00")
    assert balance(account) == Decimal("402.15")
    [(subject, body)] = _emails()
    assert subject == "Tu pago de servicios fue confirmado"
    assert "AGUA EPMAPA PEDERNALES" in body and settled.authorization in body
    # asked again: nothing moves, nobody is told twice
    assert payment_status_check(payment_id=payment.pk).status == Payment.Status.PAID
    assert bills.payments_settle() == 0
    assert Transaction.objects.filter(idempotency_key__startswith="pago-liquidacion-").count() == 1
    assert len(_emails()) == 1


def test_unknown_then_failed_gives_the_money_back_exactly_once(member, water):
    _user, account = member
    payment = pay_water(member, water, "123496")
    assert payment.status == Payment.Status.PENDING
    assert balance(account) == Decimal("500.00") - Decimal("96.85")
    failed = payment_status_check(payment_id=payment.pk)
    assert failed.status == Payment.Status.FAILED
    assert balance(account) == Decimal("500.00")
    # the status task runs twice (a repeated message): no second refund
    assert payment_status_check(payment_id=payment.pk).status == Payment.Status.FAILED
    assert bills.payment_refund(
        payment_id=payment.pk, status=Payment.Status.FAILED, reason="x"
    ) is None  # fmt: skip
    assert balance(account) == Decimal("500.00")
    assert Transaction.objects.filter(idempotency_key=f"pago-devolucion-{payment.pk}").count() == 1
    [(subject, body)] = _emails()
    assert subject == "Tu pago de servicios no se realizó"
    assert "Devolvimos $ 96.85" in body


def test_still_unknown_is_asked_again_with_backoff(member, water, settings):
    settings.PAYMENTS_STATUS_BACKOFF_BASE = 60
    payment = pay_water(member, water, "123493")
    checks = []
    for _ in range(3):
        before = timezone.now()
        payment = payment_status_check(payment_id=payment.pk)
        assert payment.status == Payment.Status.PENDING
        checks.append(round((payment.next_check_at - before).total_seconds()))
    assert checks == [120, 240, 480]
    assert bills.backoff(30) == timedelta(seconds=settings.PAYMENTS_STATUS_BACKOFF_MAX)


def test_the_sweep_asks_only_about_due_payments(member, water):
    payment = pay_water(member, water, "123497")
    assert payment.status == Payment.Status.PENDING
    assert bills.payments_status_sweep() == 0  # not due yet: its own request may be waiting
    later = payment.next_check_at + timedelta(seconds=1)
    assert bills.payments_status_sweep(now=later) == 1
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PAID


def test_a_worker_killed_after_the_debit_is_resumed_by_the_sweep(member, water, monkeypatch):
    """The debit committed, then the process died before the biller was asked: the payment is
    PENDIENTE; the sweep finds the biller never received it and sends it (same key)."""
    _user, account = member

    def killed(**kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(bills, "payment_send", killed)
    with pytest.raises(SystemExit):
        pay_water(member, water, "123473")
    monkeypatch.undo()
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.PENDING
    assert balance(account) == Decimal("500.00") - Decimal("73.85")
    assert bills.payments_status_sweep(now=payment.next_check_at) == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    bills.payments_settle()
    assert in_transit() == Decimal("0.00")


def test_a_company_order_is_sent_after_its_transaction_commits(
    member, water, django_capture_on_commit_callbacks
):
    user, account = member
    [bill] = bill_inquire(biller=water, reference="123473")
    with django_capture_on_commit_callbacks(execute=True):
        payment = bill_pay(order=order(user, account, water, "123473", bill=bill), defer=True)
        assert payment.status == Payment.Status.PENDING
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_the_settlement_sweep_moves_each_billers_confirmed_payments_in_one_posting(
    member, water, recharge
):
    user, account = member
    before = balance(SETTLEMENT)
    paid = [
        pay_water(member, water, "123411"),
        pay_water(member, water, "123412"),
        bill_pay(order=order(user, account, recharge, "0991234567", amount="5.00")),
    ]
    pending = pay_water(member, water, "123493")  # unknown: stays in transit
    assert {p.status for p in paid} == {Payment.Status.PAID}
    assert in_transit() == Decimal("11.50") + Decimal("12.50") + Decimal("5.00") + Decimal("93.50")
    assert ledger_problems() == []  # in transit = pending + confirmed not settled
    assert bills.payments_settle() == 3
    assert in_transit() == Decimal("93.50") == pending.amount
    assert balance(SETTLEMENT) - before == Decimal("29.00")
    postings = Transaction.objects.filter(idempotency_key__startswith="pago-liquidacion-")
    assert postings.count() == 2  # one per biller
    assert bills.payments_settle() == 0  # nothing twice
    assert ledger_problems() == []


def test_money_in_transit_that_no_payment_explains_is_a_ledger_problem(member, water):
    payment = pay_water(member, water, "123411")
    Payment.objects.filter(pk=payment.pk).update(settlement_transaction=payment.transaction)
    [problem] = ledger_problems()
    assert "en tránsito" in problem and "$ 11.50" in problem
    Payment.objects.filter(pk=payment.pk).update(settlement_transaction=None)  # put back
