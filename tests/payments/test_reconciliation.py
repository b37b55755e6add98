"""The daily reconciliation: a payment still PENDIENTE from the day is settled when the biller
lists it and refunded when not; running it again changes nothing; the row says what it did."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Transaction
from accounts.services.integrity import ledger_problems
from payments.models import Payment, Reconciliation
from payments.services.bills import bill_inquire, bill_pay, payments_settle
from payments.services.gateway import BillerUnavailable
from payments.services.reconciliation import reconciliation_daily, reconciliation_run
from payments.tasks import payments_reconciliation_daily

from .helpers import balance, in_transit, order, payer

pytestmark = pytest.mark.django_db


@pytest.fixture
def water(biller):
    return biller("agua-epmapa-pedernales")


def pay(user, account, water, reference):
    [bill] = bill_inquire(biller=water, reference=reference)
    return bill_pay(order=order(user, account, water, reference, bill=bill))


def test_listed_is_paid_and_not_listed_is_refunded_once(water):
    user, account = payer("1000.00")
    slow = pay(user, account, water, "123497")  # reached the biller, answered too late
    lost = pay(user, account, water, "123493")  # the biller never registered it
    done = pay(user, account, water, "123473")  # paid at once
    assert (slow.status, lost.status, done.status) == ("PENDIENTE", "PENDIENTE", "PAGADO")
    # The one paid at once waits for the settlement sweep beside the two unknown.
    assert in_transit() == Decimal("97.50") + Decimal("93.50") + Decimal("73.50")

    today = timezone.localdate()
    row = reconciliation_run(biller=water, day=today)
    assert Payment.objects.get(pk=slow.pk).status == Payment.Status.PAID
    assert Payment.objects.get(pk=slow.pk).authorization
    refunded = Payment.objects.get(pk=lost.pk)
    assert refunded.status == Payment.Status.REFUNDED
    assert refunded.failure_reason == "La empresa de servicios no registró el pago."
    assert (row.listed, row.matched, row.confirmed, row.refunded) == (2, 2, 1, 1)
    assert row.unexpected == []
    assert ledger_problems() == []
    assert payments_settle() == 2
    assert in_transit() == Decimal("0.00")
    assert balance(account) == Decimal("1000.00") - Decimal("97.85") - Decimal("73.85")

    # Run again: nothing moves, the counts stand.
    again = reconciliation_run(biller=water, day=today)
    assert (again.pk, again.confirmed, again.refunded) == (row.pk, 1, 1)
    assert Transaction.objects.filter(idempotency_key=f"pago-devolucion-{lost.pk}").count() == 1
    assert balance(account) == Decimal("1000.00") - Decimal("97.85") - Decimal("73.85")
    assert Reconciliation.objects.count() == 1
    assert ledger_problems() == []


def test_only_that_days_payments_are_looked_at(water):
    user, account = payer()
    lost = pay(user, account, water, "123493")
    row = reconciliation_run(biller=water, day=timezone.localdate() - timedelta(days=1))
    assert (row.listed, row.confirmed, row.refunded) == (0, 0, 0)
    assert Payment.objects.get(pk=lost.pk).status == Payment.Status.PENDING


def test_a_payment_listed_but_unknown_here_is_for_the_back_office(water):
    from payments.services.gateway import gateway_for

    gateway_for(water).pay(water, "555511", "X", Decimal("1.00"), "ajena-1")
    row = reconciliation_run(biller=water, day=timezone.localdate())
    assert row.unexpected == ["ajena-1"]


def test_the_daily_task_reconciles_every_biller_for_yesterday(water, monkeypatch):
    user, account = payer()
    lost = pay(user, account, water, "123493")
    yesterday = timezone.localdate() - timedelta(days=1)
    noon = timezone.make_aware(datetime.combine(yesterday, time(12)))
    Payment.objects.filter(pk=lost.pk).update(created_at=noon)
    assert payments_reconciliation_daily() >= 1
    assert Payment.objects.get(pk=lost.pk).status == Payment.Status.REFUNDED
    assert Reconciliation.objects.filter(biller=water, day=yesterday).exists()
    assert balance(account) == Decimal("500.00")


def test_a_biller_that_does_not_answer_is_skipped(water, monkeypatch):
    from payments.services import gateway

    def down(self, biller, day):
        raise BillerUnavailable()

    monkeypatch.setattr(gateway.SimulatedGateway, "reconciliation_request", down)
    user, account = payer()
    lost = pay(user, account, water, "123493")
    assert reconciliation_daily(day=timezone.localdate()) == []
    assert Payment.objects.get(pk=lost.pk).status == Payment.Status.PENDING
