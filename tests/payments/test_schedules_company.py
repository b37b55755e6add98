"""A company's scheduled payment is approved once, when it is created: the order is the
schedule with its maximum (nothing held); each occurrence then pays up to that maximum without
new signatures; an edit is a new order. (The enterprise channel is the lead's wiring.)"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.registries.operations import Context, Outcome, operation_submit
from enterprise.models import ApprovalBand, ApprovalOrder, Operation
from enterprise.services.approvals import order_approve, order_reject
from payments.models import Biller, Payment, Schedule
from payments.services.catalogue import demo_catalogue_ensure
from payments.services.schedules import (
    SCHEDULE,
    SchedulePayload,
    schedule_payload_of,
    schedule_register_waiting,
)
from payments.services.schedules_run import schedules_run_due
from tests.factories import key

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _billers_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.PAYMENTS_GATEWAY_TIMEOUT = 2
    demo_catalogue_ensure()


@pytest.fixture
def payments_band(company):
    return ApprovalBand.objects.create(
        company=company, operation=Operation.PAYMENT, up_to=None, signatures=["B"]
    )


def submit(company, user, data: SchedulePayload):
    context = Context(user=user, member=company.member, channel="WEB", key=key())

    def registered(reference):
        schedule_register_waiting(payload=data, context=context, reference=reference)

    return operation_submit(spec=SCHEDULE, payload=data, context=context, on_registered=registered)


def water(company, *, max_amount="100.00", reference="55512373") -> SchedulePayload:
    return SchedulePayload(
        origin=company.account.pk,
        amount=Decimal(max_amount),
        biller=Biller.objects.get(code="agua-epmapa-pedernales").pk,
        reference=reference,
        fields={"cuenta": reference},
        frequency=Schedule.Frequency.AVAILABLE,
        starts_on=timezone.localdate().isoformat(),
    )


def test_an_ingresadors_schedule_is_an_order_signed_once(company, payments_band):
    account = company.account
    outcome = submit(company, company.maker, water(company))
    assert outcome.status == Outcome.PENDING
    order = ApprovalOrder.objects.get(pk=outcome.reference)
    assert order.kind == "PAGO_PROGRAMADO" and order.amount == Decimal("100.00")
    schedule = Schedule.objects.get()
    assert schedule.status == Schedule.Status.WAITING and schedule.order_reference == order.pk
    account.refresh_from_db()
    assert account.available == account.balance  # a maximum for bills to come: nothing held
    assert schedules_run_due() == {}  # not before it is signed

    order_approve(user=company.approver_b, order_id=order.pk)
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.ACTIVE and Schedule.objects.count() == 1
    # Each occurrence pays without new signatures, under the order that approved it.
    assert schedules_run_due() == {"PAGADO": 1}
    payment = Payment.objects.get()
    assert payment.order_reference == order.pk and payment.member == company.member
    assert ApprovalOrder.objects.count() == 1


def test_a_rejected_order_leaves_its_schedule_cancelled(company, payments_band):
    outcome = submit(company, company.maker, water(company))
    order_reject(user=company.approver_b, order_id=outcome.reference, reason="No")
    assert Schedule.objects.get().status == Schedule.Status.CANCELLED
    assert schedules_run_due(now=timezone.now() + dt.timedelta(days=1)) == {}


def test_an_edit_is_a_new_order_and_the_old_schedule_runs_until_it_is_signed(
    company, payments_band
):
    first = submit(company, company.maker, water(company))
    order_approve(user=company.approver_b, order_id=first.reference)
    old = Schedule.objects.get()
    edit = schedule_payload_of(old, amount=Decimal("150.00"), replaces=old.pk)
    second = submit(company, company.maker, edit)
    assert second.status == Outcome.PENDING and second.reference != first.reference
    old.refresh_from_db()
    assert old.status == Schedule.Status.ACTIVE
    order_approve(user=company.approver_b, order_id=second.reference)
    old.refresh_from_db()
    new = Schedule.objects.get(order_reference=second.reference)
    assert old.status == Schedule.Status.CANCELLED
    assert new.status == Schedule.Status.ACTIVE and new.replaces_id == old.pk
    assert new.max_amount == Decimal("150.00")


def test_an_administrators_schedule_is_active_at_once(company, payments_band):
    outcome = submit(company, company.admin, water(company))
    assert outcome.status == Outcome.EXECUTED
    schedule = Schedule.objects.get(pk=outcome.result["schedule"])
    assert schedule.status == Schedule.Status.ACTIVE
    assert schedule.order_reference == outcome.reference
