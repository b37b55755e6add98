"""Programar pagos: the schedule's rules, and the beat task that pays due schedules once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Account, Channel
from accounts.registries.operations import Context, operation_submit
from accounts.services.integrity import ledger_problems
from identity.models import AuditEvent, Notification
from payments.models import Biller, Payment, Schedule, ScheduleRun
from payments.services import schedules_run
from payments.services.catalogue import demo_catalogue_ensure
from payments.services.errors import PaymentError
from payments.services.schedules import (
    SCHEDULE,
    SchedulePayload,
    next_run_after,
    occurrence_after,
    schedule_cancel,
    schedule_check,
    schedule_pause,
    schedule_payload_of,
    schedule_resume,
)
from payments.services.schedules_run import LEASE, schedules_run_due
from tests.auth import sent_body
from tests.factories import funded_member, key

pytestmark = pytest.mark.django_db

WATER = "agua-epmapa-pedernales"
ABOVE_SUBJECT = "Pago programado no realizado: la factura supera el monto máximo"
PAID_SUBJECT = "Pago programado realizado"
NO_FUNDS_SUBJECT = "Pago programado no realizado: fondos insuficientes"


@pytest.fixture(autouse=True)
def _billers_in_tmp(settings, tmp_path):
    """The simulated billers keep what they were paid under VAR_DIR: one per test."""
    settings.VAR_DIR = tmp_path / "var"
    settings.PAYMENTS_GATEWAY_TIMEOUT = 2
    demo_catalogue_ensure()


def origin_of(user) -> Account:
    return Account.objects.filter(owner=user.customer).order_by("pk").first()


def payload(user, *, reference="12345673", max_amount="100.00", **changes) -> SchedulePayload:
    water = Biller.objects.get(code=WATER)
    values = {
        "origin": origin_of(user).pk,
        "amount": Decimal(max_amount),
        "biller": water.pk,
        "reference": reference,
        "fields": {"cuenta": reference},
        "frequency": Schedule.Frequency.AVAILABLE,
        "starts_on": timezone.localdate().isoformat(),
        "ends_on": "",
    }
    return SchedulePayload(**(values | changes))


def schedule_for(user, **kwargs) -> Schedule:
    outcome = operation_submit(
        spec=SCHEDULE,
        payload=payload(user, **kwargs),
        context=Context(user=user, member=user.customer, channel=Channel.WEB, key=key()),
    )
    return Schedule.objects.get(pk=outcome.result["schedule"])


def later(**delta) -> dt.datetime:
    return timezone.now() + dt.timedelta(**delta)


def tomorrow_at_six() -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(6)))


# --- Creating it ---------------------------------------------------------------------------------


def test_a_member_schedule_is_active_at_once_and_due_now(member_user):
    schedule = schedule_for(member_user)
    assert schedule.status == Schedule.Status.ACTIVE
    assert schedule.order_reference is None
    assert schedule.reference == "12345673" and schedule.max_amount == Decimal("100.00")
    assert schedule.next_run_at <= timezone.now()
    assert schedule.terms_accepted_at is not None
    assert AuditEvent.objects.filter(
        action="payment_schedule.create", target_id=str(schedule.pk)
    ).exists()


def test_the_same_confirmation_twice_creates_one_schedule(member_user):
    context = Context(user=member_user, member=member_user.customer, channel="WEB", key=key())
    first = SCHEDULE.execute(payload(member_user), context)
    again = SCHEDULE.execute(payload(member_user), context)
    assert first == again and Schedule.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"fields": {"cuenta": "12"}}, "cuenta", ""),
        ({"amount": Decimal("0.00")}, "max_amount", "mayor a $ 0.00"),
        ({"frequency": "MENSUAL", "day_of_month": 29}, "day_of_month", "entre 1 y 28"),
        (
            {"starts_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat()},
            "starts_on",
            "anterior a hoy",
        ),
        (
            {
                "starts_on": (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
                "ends_on": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
            },
            "ends_on",
            "posterior a la de inicio",
        ),
    ],
)
def test_each_rule_refuses_on_its_field(member_user, changes, field, message):
    with pytest.raises(PaymentError) as refused:
        schedule_check(payload=payload(member_user, **changes), member=member_user.customer)
    assert refused.value.field == field and message in refused.value.message


def test_a_recharge_cannot_be_scheduled_it_has_no_bill(member_user):
    recharge = Biller.objects.get(code="recargas-cnt-paquete")
    data = payload(member_user, biller=recharge.pk, fields={"celular": "0991234567"})
    with pytest.raises(PaymentError) as refused:
        schedule_check(payload=data, member=member_user.customer)
    assert refused.value.field == "biller"


def test_another_members_account_cannot_be_debited(member_user, outsider):
    data = payload(member_user, origin=origin_of(outsider).pk)
    with pytest.raises(PaymentError) as refused:
        schedule_check(payload=data, member=member_user.customer)
    assert refused.value.field == "origin"


def test_occurrences_every_day_or_on_the_day_of_the_month():
    monthly = {"frequency": "MENSUAL", "day_of_month": 5}
    assert occurrence_after(**monthly, after=dt.date(2026, 3, 4)) == dt.date(2026, 3, 5)
    assert occurrence_after(**monthly, after=dt.date(2026, 3, 5)) == dt.date(2026, 4, 5)
    assert occurrence_after(**monthly, after=dt.date(2026, 12, 20)) == dt.date(2027, 1, 5)
    daily = {"frequency": "DISPONIBLE", "day_of_month": None}
    assert occurrence_after(**daily, after=dt.date(2026, 2, 28)) == dt.date(2026, 3, 1)


def test_a_monthly_schedule_waits_for_its_day(member_user):
    today = timezone.localdate()
    day = (today + dt.timedelta(days=3)).day if (today + dt.timedelta(days=3)).day <= 28 else 1
    schedule = schedule_for(member_user, frequency="MENSUAL", day_of_month=day)
    assert timezone.localdate(schedule.next_run_at).day == day
    assert schedule.next_run_at > timezone.now()
    assert schedules_run_due() == {}


# --- Pause, resume, cancel, edit -----------------------------------------------------------------


def test_pause_resume_and_cancel_each_with_an_audit_row(member_user):
    schedule = schedule_for(member_user)
    schedule_pause(schedule=schedule, user=member_user)
    assert schedules_run_due(now=later(minutes=1)) == {}  # a paused schedule does not run
    schedule_resume(schedule=schedule, user=member_user)
    assert schedule.status == Schedule.Status.ACTIVE and schedule.next_run_at is not None
    schedule_cancel(schedule=schedule, user=member_user)
    assert schedule.status == Schedule.Status.CANCELLED and schedule.next_run_at is None
    with pytest.raises(PaymentError):
        schedule_resume(schedule=schedule, user=member_user)
    actions = set(
        AuditEvent.objects.filter(target_id=str(schedule.pk)).values_list("action", flat=True)
    )
    assert {"payment_schedule.pause", "payment_schedule.resume", "payment_schedule.cancel"} <= (
        actions
    )


def test_an_edit_is_a_new_schedule_replacing_the_old_one(member_user):
    old = schedule_for(member_user)
    new_payload = schedule_payload_of(old, amount=Decimal("150.00"), replaces=old.pk)
    context = Context(user=member_user, member=member_user.customer, channel="WEB", key=key())
    new = Schedule.objects.get(pk=SCHEDULE.execute(new_payload, context)["schedule"])
    old.refresh_from_db()
    assert old.status == Schedule.Status.CANCELLED
    assert new.status == Schedule.Status.ACTIVE and new.replaces_id == old.pk
    assert new.max_amount == Decimal("150.00")


# --- The beat task -------------------------------------------------------------------------------


def test_a_bill_up_to_the_maximum_is_paid_once_and_the_member_told(member_user):
    schedule = schedule_for(member_user)
    assert schedules_run_due() == {"PAGADO": 1}
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.PAID and payment.amount == Decimal("73.50")
    assert payment.schedule_id == schedule.pk
    assert payment.idempotency_key == f"programado-{schedule.pk}-{payment.bill_number}"
    run = ScheduleRun.objects.get()
    assert run.outcome == "PAGADO" and run.payment_id == payment.pk
    assert origin_of(member_user).balance == Decimal("500.00") - payment.total
    body = sent_body(subject=PAID_SUBJECT)
    assert "$ 73.50" in body and payment.authorization in body
    schedule.refresh_from_db()
    assert schedule.next_run_at == tomorrow_at_six()
    # The task again (a repeated message): nothing due, nothing paid again.
    assert schedules_run_due() == {}
    # Tomorrow the biller still lists this month's bill: it is not paid twice.
    assert schedules_run_due(now=tomorrow_at_six()) == {"SIN_DEUDA": 1}
    assert Payment.objects.count() == 1
    assert Notification.objects.filter(subject=PAID_SUBJECT).count() == 1
    assert not ledger_problems()


def test_a_bill_above_the_maximum_is_not_paid_and_the_member_is_emailed_once(member_user):
    schedule = schedule_for(member_user, reference="12345640", max_amount="10.00")
    assert schedules_run_due() == {"SUPERA_MAXIMO": 1}
    assert not Payment.objects.exists()
    body = sent_body(subject=ABOVE_SUBJECT, recipient=member_user.customer.email)
    assert "$ 40.50" in body and "monto máximo de $ 10.00" in body
    assert schedules_run_due(now=tomorrow_at_six()) == {"SUPERA_MAXIMO": 1}
    assert Notification.objects.filter(subject=ABOVE_SUBJECT).count() == 1
    assert schedule.runs.count() == 2


@pytest.mark.parametrize(
    ("max_amount", "outcome"), [("40.84", "SUPERA_MAXIMO"), ("40.85", "PAGADO")]
)
def test_the_maximum_is_what_may_be_debited_fee_and_vat_included(member_user, max_amount, outcome):
    # A $ 40.50 bill debits $ 40.85 with the $ 0.30 fee and its VAT (manual 001: "monto máximo
    # que nos autorizas a debitar").
    schedule_for(member_user, reference="12345640", max_amount=max_amount)
    assert schedules_run_due() == {outcome: 1}
    if outcome == "SUPERA_MAXIMO":
        body = sent_body(subject=ABOVE_SUBJECT, recipient=member_user.customer.email)
        assert "$ 40.50 ($ 40.85 con la comisión y el IVA)" in body
    else:
        assert Payment.objects.get().total == Decimal("40.85")


def test_no_bill_and_biller_down(member_user):
    quiet = schedule_for(member_user, reference="12345600")
    down = schedule_for(member_user, reference="12345698")
    now = timezone.now()
    assert schedules_run_due(now=now) == {"SIN_DEUDA": 1, "SIN_RESPUESTA": 1}
    down.refresh_from_db()
    quiet.refresh_from_db()
    assert down.next_run_at == now + schedules_run.RETRY_DOWN  # the next pass after an hour
    assert quiet.next_run_at == tomorrow_at_six()
    assert schedules_run_due(now=now + dt.timedelta(hours=1)) == {"SIN_RESPUESTA": 1}
    attempts = list(down.runs.order_by("attempt").values_list("due_on", "attempt"))
    assert attempts == [(timezone.localdate(now), 1), (timezone.localdate(now), 2)]


def test_insufficient_funds_are_tried_daily_three_times_then_notified(db):
    user = funded_member("20.00")
    schedule = schedule_for(user)
    assert schedules_run_due() == {"SIN_FONDOS": 1}
    day = tomorrow_at_six()
    assert schedules_run_due(now=day) == {"SIN_FONDOS": 1}
    assert not Notification.objects.filter(subject=NO_FUNDS_SUBJECT).exists()
    assert schedules_run_due(now=day + dt.timedelta(days=1)) == {"FALLIDO": 1}
    body = sent_body(subject=NO_FUNDS_SUBJECT)
    assert "3 intentos" in body and "$ 73.50" in body
    runs = list(schedule.runs.order_by("attempt").values_list("attempt", "outcome"))
    assert runs == [(1, "SIN_FONDOS"), (2, "SIN_FONDOS"), (3, "FALLIDO")]
    assert len({r.due_on for r in schedule.runs.all()}) == 1  # one occurrence, three tries
    # The bill is given up on: the next days do not start over.
    assert schedules_run_due(now=day + dt.timedelta(days=2)) == {"SIN_DEUDA": 1}
    assert not Payment.objects.exists() and origin_of(user).balance == Decimal("20.00")


def test_funds_found_on_the_second_try_pay_the_bill(db):
    from tests.factories import deposit

    user = funded_member("20.00")
    schedule_for(user)
    assert schedules_run_due() == {"SIN_FONDOS": 1}
    deposit(origin_of(user), "100.00")
    assert schedules_run_due(now=tomorrow_at_six()) == {"PAGADO": 1}
    assert Payment.objects.get().status == Payment.Status.PAID


def test_a_run_missed_while_the_workers_were_down_is_caught_up_once(member_user):
    schedule = schedule_for(member_user)
    five_days_ago = timezone.now() - dt.timedelta(days=5)
    Schedule.objects.filter(pk=schedule.pk).update(next_run_at=five_days_ago)
    assert schedules_run_due() == {"PAGADO": 1}
    assert schedules_run_due() == {}
    assert schedule.runs.count() == 1
    schedule.refresh_from_db()
    assert schedule.next_run_at == tomorrow_at_six()


def test_a_worker_killed_mid_payment_is_resumed_and_the_bill_paid_once(member_user, monkeypatch):
    schedule = schedule_for(member_user)

    class Killed(BaseException):
        pass

    def die(*args, **kwargs):
        raise Killed

    # The payment is made, then the worker dies before writing the run's outcome.
    monkeypatch.setattr(schedules_run, "_record", die)
    with pytest.raises(Killed):
        schedules_run_due()
    monkeypatch.undo()
    assert Payment.objects.count() == 1
    run = ScheduleRun.objects.get()
    assert run.outcome == "EN_CURSO"
    # Until its lease is over nobody else takes it; then the next pass resumes that run.
    assert schedules_run_due(now=later(minutes=5)) == {}
    assert schedules_run_due(now=later(minutes=1) + LEASE) == {"PAGADO": 1}
    run.refresh_from_db()
    assert run.outcome == "PAGADO" and run.payment == Payment.objects.get()
    assert ScheduleRun.objects.count() == 1
    assert Notification.objects.filter(subject=PAID_SUBJECT).count() == 1
    assert schedule.payments.count() == 1


def test_a_worker_killed_before_the_biller_answered_pays_once_on_resume(member_user, monkeypatch):
    schedule_for(member_user)

    class Killed(BaseException):
        pass

    def die(**kwargs):
        raise Killed

    monkeypatch.setattr(schedules_run, "bill_pay", die)
    with pytest.raises(Killed):
        schedules_run_due()
    monkeypatch.undo()
    assert not Payment.objects.exists()
    assert schedules_run_due(now=later(minutes=1) + LEASE) == {"PAGADO": 1}
    assert Payment.objects.count() == 1 and not ledger_problems()


def test_a_schedule_past_its_end_date_finishes(member_user):
    today = timezone.localdate()
    schedule = schedule_for(member_user, reference="12345600", ends_on=today.isoformat())
    assert schedules_run_due() == {"SIN_DEUDA": 1}
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.FINISHED and schedule.next_run_at is None
    assert next_run_after(schedule=schedule, day=today) is None


def test_a_schedule_found_after_its_end_date_finishes_without_running(member_user):
    schedule = schedule_for(member_user)
    Schedule.objects.filter(pk=schedule.pk).update(
        ends_on=timezone.localdate() - dt.timedelta(days=1)
    )
    assert schedules_run_due() == {"FINALIZADO": 1}
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.FINISHED and not Payment.objects.exists()


def test_limit_runs_part_of_the_due_schedules(member_user):
    for reference in ("12345600", "12345601", "12345602"):
        schedule_for(member_user, reference=reference)
    assert sum(schedules_run_due(limit=2).values()) == 2
    assert sum(schedules_run_due().values()) == 1


def test_the_celery_task_runs_the_service(member_user):
    from payments.tasks import schedules_run_due as task

    schedule_for(member_user)
    task.delay()  # with its helper passes (inline here: the first one pays)
    assert Payment.objects.count() == 1 and ScheduleRun.objects.count() == 1


def test_a_bill_paid_some_other_way_is_not_paid_again(member_user):
    from payments.services.bills import PaymentOrder, bill_inquire, bill_pay

    schedule = schedule_for(member_user)
    [bill] = bill_inquire(biller=schedule.biller, reference=schedule.reference)
    bill_pay(
        order=PaymentOrder(
            user=member_user,
            member=member_user.customer,
            origin=origin_of(member_user),
            biller=schedule.biller,
            reference=schedule.reference,
            reference_fields={"cuenta": schedule.reference},
            bill=bill,
            amount=bill.amount,
            idempotency_key=key(),
            channel=Channel.WEB,
        )
    )
    assert schedules_run_due() == {"SIN_DEUDA": 1}
    assert Payment.objects.count() == 1 and not schedule.payments.exists()
