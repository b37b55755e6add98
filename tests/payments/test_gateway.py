"""The biller gateway: the simulator's reference patterns, the timeout (a payment that does
not answer in time is unknown, never failed), and a biller that remembers what it was paid."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from payments.services.gateway import (
    NOT_RECEIVED,
    Answer,
    BillerUnavailable,
    TimedGateway,
    gateway_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def water(biller):
    return biller("agua-epmapa-pedernales")


def test_no_debt(water):
    assert gateway_for(water).inquire(water, "123400") == []


def test_one_bill_of_the_last_two_digits(water):
    [bill] = gateway_for(water).inquire(water, "123473")
    today = timezone.localdate()
    assert bill.amount == Decimal("73.50")
    assert bill.due_on == today + timedelta(days=10)
    assert bill.period.endswith(str(today.year))
    # the same bill every time it is asked for
    assert gateway_for(water).inquire(water, "123473") == [bill]


def test_three_bills_oldest_first(water):
    bills = gateway_for(water).inquire(water, "123422")
    assert len(bills) == 3
    assert [b.number for b in bills] == sorted(b.number for b in bills)
    assert len({b.number for b in bills}) == 3


def test_biller_down(water):
    gateway = gateway_for(water)
    with pytest.raises(BillerUnavailable) as caught:
        gateway.inquire(water, "123498")
    assert caught.value.message == (
        "El servicio no está disponible en este momento. Intenta más tarde."
    )
    with pytest.raises(BillerUnavailable):
        gateway.pay(water, "123498", "F", Decimal("1"), "k-98")


def test_paid_with_authorization_and_listed_that_day(water):
    gateway = gateway_for(water)
    answer = gateway.pay(water, "123473", "F-1", Decimal("73.50"), "k-1")
    assert answer.status == Answer.PAID and len(answer.authorization) == 10
    assert gateway.status(water, "k-1") == answer
    assert gateway.reconciliation(water, timezone.localdate()) == ["k-1"]
    assert gateway.reconciliation(water, timezone.localdate() - timedelta(days=1)) == []


def test_a_repeated_key_returns_the_first_answer(water):
    gateway = gateway_for(water)
    first = gateway.pay(water, "123473", "F-1", Decimal("73.50"), "k-1")
    assert gateway.pay(water, "123473", "F-1", Decimal("73.50"), "k-1") == first
    assert gateway.reconciliation(water, timezone.localdate()) == ["k-1"]


def test_rejected_at_once(water):
    gateway = gateway_for(water)
    answer = gateway.pay(water, "123495", "F", Decimal("95.50"), "k-95")
    assert answer.status == Answer.REJECTED and answer.reason
    assert gateway.status(water, "k-95").status == Answer.REJECTED
    assert gateway.reconciliation(water, timezone.localdate()) == []


def test_slow_answer_is_unknown_past_the_timeout_then_paid(water, settings):
    settings.PAYMENTS_GATEWAY_TIMEOUT = 0.2
    settings.PAYMENTS_SIMULATOR_SLOW = 1.0
    gateway = gateway_for(water)
    started = time.monotonic()
    answer = gateway.pay(water, "123497", "F", Decimal("97.50"), "k-97")
    assert answer.status == Answer.UNKNOWN
    assert time.monotonic() - started < 0.9  # the caller did not wait for the biller
    assert gateway.status(water, "k-97").status == Answer.PAID
    assert gateway.reconciliation(water, timezone.localdate()) == ["k-97"]


def test_status_unknown_then_rejected(water):
    gateway = gateway_for(water)
    assert gateway.pay(water, "123496", "F", Decimal("96.50"), "k-96").status == Answer.UNKNOWN
    assert gateway.status(water, "k-96").status == Answer.REJECTED


def test_unknown_forever_and_not_reconciled(water):
    gateway = gateway_for(water)
    assert gateway.pay(water, "123493", "F", Decimal("93.50"), "k-93").status == Answer.UNKNOWN
    assert gateway.status(water, "k-93").status == Answer.UNKNOWN
    assert gateway.reconciliation(water, timezone.localdate()) == []


def test_a_key_never_received(water):
    answer = gateway_for(water).status(water, "never-sent")
    assert answer.status == Answer.UNKNOWN and answer.reason == NOT_RECEIVED
    assert answer.not_received


def test_typed_amount_billers_follow_the_same_patterns(biller):
    recharge = biller("recargas-cnt-paquete")
    gateway = gateway_for(recharge)
    assert gateway.pay(recharge, "0991234567", "", Decimal("5"), "r-1").status == Answer.PAID
    assert gateway.pay(recharge, "0991234595", "", Decimal("5"), "r-2").status == Answer.REJECTED


class _Hanging(TimedGateway):
    """A gateway whose network never answers, nor raises."""

    def pay_request(self, biller, reference, bill_number, amount, key):
        time.sleep(2)
        return Answer(Answer.PAID, "1")

    def status_request(self, biller, key):
        raise ConnectionError("reset by peer")


def test_any_gateway_times_out_the_same_way(water, settings):
    settings.PAYMENTS_GATEWAY_TIMEOUT = 0.1
    started = time.monotonic()
    assert _Hanging().pay(water, "1", "", Decimal("1"), "k").status == Answer.UNKNOWN
    assert time.monotonic() - started < 1
    # a network error on a status query is unknown too, never failed
    assert _Hanging().status(water, "k").status == Answer.UNKNOWN


def test_an_unknown_gateway_name_is_unavailable(water):
    water.gateway = "nadie"
    with pytest.raises(BillerUnavailable):
        gateway_for(water)
