"""What only PostgreSQL can show: the beat task run by several workers at the same moment,
under real row locks (``SKIP LOCKED`` claims, the run's unique day, the payment's key).

Workers are forked processes (as ``tests/transfers/test_orders_postgres.py`` does) or threads,
each with its own database session, started together on a barrier."""

import datetime as dt
import multiprocessing
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from accounts.models import Account, Channel
from accounts.registries.operations import Context, operation_submit
from accounts.services.integrity import ledger_problems
from identity.models import Notification
from payments.models import Biller, Payment, Schedule, ScheduleRun
from payments.services.catalogue import demo_catalogue_ensure
from payments.services.schedules import SCHEDULE, SchedulePayload
from tests.factories import funded_member, key

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="necesita PostgreSQL (DATABASE_URL)"
    ),
]

WORKERS = 4


@pytest.fixture(autouse=True)
def _billers_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.PAYMENTS_GATEWAY_TIMEOUT = 5
    demo_catalogue_ensure()


def _schedules(count: int) -> list[Schedule]:
    water = Biller.objects.get(code="agua-epmapa-pedernales")
    made = []
    for n in range(count):
        user = funded_member("500.00")
        reference = f"7700{n:02d}73"
        origin = Account.objects.filter(owner=user.customer).get()
        data = SchedulePayload(
            origin=origin.pk,
            amount=Decimal("100.00"),
            biller=water.pk,
            reference=reference,
            fields={"cuenta": reference},
            frequency=Schedule.Frequency.AVAILABLE,
            starts_on=timezone.localdate().isoformat(),
        )
        context = Context(user=user, member=user.customer, channel=Channel.WEB, key=key())
        outcome = operation_submit(spec=SCHEDULE, payload=data, context=context)
        made.append(Schedule.objects.get(pk=outcome.result["schedule"]))
    return made


def _pass(now, start, results):
    """One worker: the whole beat pass."""
    connections.close_all()  # a forked child must not share the parent's socket
    from payments.services.schedules_run import schedules_run_due

    try:
        start.wait(timeout=30)
        results.put(("ok", schedules_run_due(now=now)))
    except Exception as exc:  # any error reaching the task fails the test
        results.put(("error", repr(exc)))
    finally:
        connections.close_all()


def _one(schedule_id, now, start, results):
    """One worker running the same schedule, as if both had claimed it (a lease that ran out
    while the first was still at it)."""
    connections.close_all()
    from payments.services.schedules_run import schedule_run

    try:
        schedule = Schedule.objects.select_related("biller", "origin", "owner").get(pk=schedule_id)
        start.wait(timeout=30)
        results.put(("ok", {schedule_run(schedule=schedule, due_at=now, now=now, runs=[]): 1}))
    except Exception as exc:
        results.put(("error", repr(exc)))
    finally:
        connections.close_all()


def _fork(target, args_list) -> list:
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    start = ctx.Barrier(len(args_list))
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, start, results)) for args in args_list]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(p.exitcode == 0 for p in procs)
    assert [o for o in outcomes if o[0] == "error"] == []
    return [o[1] for o in outcomes]


def _total(counts: list[dict]) -> dict:
    total: dict = {}
    for c in counts:
        for k, v in c.items():
            total[k] = total.get(k, 0) + v
    return total


def _each_bill_paid_once(schedules):
    assert Payment.objects.count() == len(schedules)
    assert Payment.objects.filter(status=Payment.Status.PAID).count() == len(schedules)
    for schedule in schedules:
        assert schedule.payments.count() == 1
        assert ScheduleRun.objects.filter(schedule=schedule).count() == 1
        origin = Account.objects.get(pk=schedule.origin_id)
        assert origin.balance == Decimal("500.00") - schedule.payments.get().total
    assert Notification.objects.filter(subject="Pago programado realizado").count() == len(
        schedules
    )
    assert ledger_problems() == []


def test_workers_running_the_beat_at_once_pay_each_bill_once(monkeypatch):
    from payments.services import schedules_run

    monkeypatch.setattr(schedules_run, "CHUNK", 2)  # small claims: the workers interleave
    schedules = _schedules(12)
    now = timezone.now() + dt.timedelta(seconds=1)
    counts = _fork(_pass, [(now,)] * WORKERS)
    assert _total(counts) == {"PAGADO": 12}
    _each_bill_paid_once(schedules)
    # The task again (a repeated message): nothing is due any more.
    counts = _fork(_pass, [(now,)] * 2)
    assert _total(counts) == {}
    _each_bill_paid_once(schedules)


def test_two_threads_running_the_task_at_once_pay_each_bill_once(monkeypatch):
    from payments.services import schedules_run
    from payments.services.schedules_run import schedules_run_due

    monkeypatch.setattr(schedules_run, "CHUNK", 2)
    schedules = _schedules(6)
    now = timezone.now() + dt.timedelta(seconds=1)
    start = threading.Barrier(2)
    counts, errors = [], []

    def worker():
        try:
            start.wait(timeout=30)
            counts.append(schedules_run_due(now=now))
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and _total(counts) == {"PAGADO": 6}
    _each_bill_paid_once(schedules)


def test_two_workers_on_the_same_schedule_do_its_day_once():
    """Past the claim (both think the schedule is theirs): the run's unique day lets one do
    it, the other finds it done; the bill is paid once."""
    [schedule] = _schedules(1)
    now = timezone.now()
    counts = _fork(_one, [(schedule.pk, now)] * WORKERS)
    total = _total(counts)
    assert total.get("PAGADO") == 1 and sum(total.values()) == WORKERS
    _each_bill_paid_once([schedule])
