"""Figure: one beat pass over 10,000 due scheduled payments, against the biller simulator.

Setup (in bulk, not timed): the demo catalogue, ``MEMBERS`` members with a funded savings
account each, and 10,000 ACTIVE schedules of the water biller, all due: 90 % find a bill under
their maximum (paid: the debit to payments in transit with fee and VAT, the simulator's
answer, the settlement to the biller, the member's e-mail), 5 % find no bill, 5 % a bill above
their maximum (not paid, the member e-mailed why). Timed, in a fresh (spawned) process:
``payments.services.schedules_run.schedules_run_due`` — the claims in chunks, one run per
schedule, every payment. Memory: peak RSS growth of that process during the pass
(``processes.py``). Afterwards: every schedule ran once, each bill paid once, and
``ledger_problems()`` says nothing it did not say before.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from tests.benchmarks.processes import peak_reset, peak_rss_mb, rss_mb

SCHEDULES = 10_000
MEMBERS = 100
NO_BILL_EVERY = 20  # reference ending 00: the simulator finds no bill
ABOVE_EVERY = 20  # reference ending 60: a $ 60.50 bill above the $ 50.00 maximum
MAXIMUM = Decimal("50.00")
FUNDS = Decimal("100000.00")
#: worker processes running the pass together, as Celery workers do (the task asks the
#: others to claim beside it: ``payments.tasks.SCHEDULE_WORKERS``); BENCH_SCHEDULE_WORKERS
WORKERS = int(os.environ.get("BENCH_SCHEDULE_WORKERS", "2"))


@dataclass
class SchedulesData:
    now: datetime
    schedules: int
    paid: int
    no_bill: int
    above: int
    setup_s: float
    problems_before: frozenset[str] = field(default_factory=frozenset)


@dataclass
class PassResult:
    seconds: float
    cpu_s: float
    rss_before_mb: float
    peak_growth_mb: float
    outcome: dict


def _ending(i: int) -> str:
    if i % NO_BILL_EVERY == 0:
        return "00"
    if i % ABOVE_EVERY == 1:
        return "60"
    return "11"  # a $ 11.50 bill


def build(*, tag: str, schedules: int = SCHEDULES, members: int = MEMBERS) -> SchedulesData:
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Account, Channel, InternalAccount, Product, TransactionKind
    from accounts.services.integrity import ledger_problems
    from accounts.services.ledger import Leg, internal_account_id, transaction_post
    from identity.models import IdType, Member
    from payments.models import Biller, Schedule
    from payments.services.catalogue import demo_catalogue_ensure

    started = time.monotonic()
    problems_before = frozenset(str(p) for p in ledger_problems())
    demo_catalogue_ensure()
    water = Biller.objects.get(code="agua-epmapa-pedernales")
    now = timezone.now()
    with transaction.atomic():
        owners = Member.objects.bulk_create(
            Member(
                id_type=IdType.CEDULA,
                identification=f"PP{tag}{i:04d}",
                first_names=f"SOCIO {i}",
                last_names="PROGRAMADO",
                email=f"pp{tag}{i}@example.com",
            )
            for i in range(members)
        )
        accounts = Account.objects.bulk_create(
            Account(number=f"61{tag}{i:04d}", product=Product.SAVINGS, owner=owners[i])
            for i in range(members)
        )
    cash = internal_account_id(InternalAccount.CASH)
    for account in accounts:
        transaction_post(
            kind=TransactionKind.DEPOSIT,
            legs=[Leg(account.pk, FUNDS, "DEPÓSITO"), Leg(cash, -FUNDS, "DEPÓSITO")],
            idempotency_key=f"pp-bench-{tag}-{account.pk}",
            channel=Channel.BRANCH,
        )
    rows = []
    for i in range(schedules):
        reference = f"{tag[-4:]}{i:06d}{_ending(i)}"
        rows.append(
            Schedule(
                owner=owners[i % members],
                origin=accounts[i % members],
                biller=water,
                reference=reference,
                reference_fields={"cuenta": reference},
                max_amount=MAXIMUM,
                frequency=Schedule.Frequency.AVAILABLE,
                starts_on=timezone.localdate(now),
                status=Schedule.Status.ACTIVE,
                next_run_at=now - timedelta(minutes=1),
                terms_accepted_at=now,
                channel=Channel.WEB,
            )
        )
    Schedule.objects.bulk_create(rows, batch_size=1000)
    no_bill = sum(1 for i in range(schedules) if _ending(i) == "00")
    above = sum(1 for i in range(schedules) if _ending(i) == "60")
    return SchedulesData(
        now=now,
        schedules=schedules,
        paid=schedules - no_bill - above,
        no_bill=no_bill,
        above=above,
        setup_s=time.monotonic() - started,
        problems_before=problems_before,
    )


def _pass(env, now, start, results) -> None:
    """One worker's beat pass; the workers start together on ``start``."""
    os.environ.update(env)
    try:
        import django

        django.setup()
        from django.db import connection

        from payments.services.schedules_run import schedules_run_due

        connection.ensure_connection()
        gc.collect()
        start.wait(timeout=120)
        reset = peak_reset()
        before = rss_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        outcome = schedules_run_due(now=now)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        peak = peak_rss_mb(reset=reset)
        results.put(
            (
                "ok",
                PassResult(
                    seconds=seconds,
                    cpu_s=cpu,
                    rss_before_mb=before,
                    peak_growth_mb=max(peak - before, 0.0),
                    outcome=outcome,
                ),
            )
        )
    except BaseException:
        results.put(("error", traceback.format_exc()))
    finally:
        from django.db import connections

        connections.close_all()


def run(*, env: dict, data: SchedulesData, workers: int = WORKERS) -> PassResult:
    """The beat pass as ``workers`` Celery worker processes run it (the task asks the other
    workers to claim beside it), each a fresh spawned process started on a barrier: the time
    is the slowest worker's, the memory the largest peak growth of one worker, the outcome
    the sum."""
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Barrier(workers), ctx.Queue()
    now = data.now + timedelta(seconds=1)
    procs = [
        ctx.Process(target=_pass, args=(env, now, start, results), name=f"bench-schedules-{n}")
        for n in range(workers)
    ]
    for proc in procs:
        proc.start()
    try:
        answers = [results.get(timeout=1800) for _ in procs]
    finally:
        for proc in procs:
            proc.join(timeout=60)
    errors = [payload for status, payload in answers if status != "ok"]
    if errors:
        raise RuntimeError("bench-schedules failed:\n" + "\n".join(errors))
    passes = [payload for _, payload in answers]
    outcome: dict = {}
    for p in passes:
        for name, n in p.outcome.items():
            outcome[str(name)] = outcome.get(str(name), 0) + n
    return PassResult(
        seconds=max(p.seconds for p in passes),
        cpu_s=sum(p.cpu_s for p in passes),
        rss_before_mb=max(p.rss_before_mb for p in passes),
        peak_growth_mb=max(p.peak_growth_mb for p in passes),
        outcome=outcome,
    )


def check(data: SchedulesData) -> str:
    """Every schedule ran once; each bill paid once; the ledger adds up as before."""
    from django.db.models import Count

    from accounts.services.integrity import ledger_problems
    from payments.models import Payment, Schedule, ScheduleRun

    runs = ScheduleRun.objects.values("outcome").annotate(n=Count("id"))
    by_outcome = {r["outcome"]: r["n"] for r in runs}
    expected = {"PAGADO": data.paid, "SIN_DEUDA": data.no_bill, "SUPERA_MAXIMO": data.above}
    if by_outcome != expected:
        raise RuntimeError(f"runs {by_outcome}, expected {expected}")
    paid = Payment.objects.filter(schedule__isnull=False, status=Payment.Status.PAID).count()
    if paid != data.paid or Payment.objects.filter(schedule__isnull=False).count() != paid:
        raise RuntimeError(f"{paid} payments paid, expected {data.paid}")
    due = Schedule.objects.filter(next_run_at__lte=data.now + timedelta(seconds=1)).count()
    if due:
        raise RuntimeError(f"{due} schedules still due")
    new = [p for p in ledger_problems() if str(p) not in data.problems_before]
    if new:
        raise RuntimeError(f"ledger problems after the pass: {new[:5]}")
    return f"{data.schedules:,} runs ({by_outcome}), {paid:,} bills paid once, ledger check clean"
