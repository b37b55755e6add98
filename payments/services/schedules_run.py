"""The beat task's work: every due schedule looks for its bill and pays it, once.

One pass (``schedules_run_due``) claims due ACTIVE schedules in chunks (PostgreSQL: ``SELECT …
FOR UPDATE SKIP LOCKED`` then one UPDATE; elsewhere a conditional update per row) by moving
``next_run_at`` a lease ahead, so a second worker, or the same task run again, does not see
them. Each claimed schedule then runs one occurrence:

    claim (next_run_at → now + LEASE)
      └─ ScheduleRun EN_CURSO (unique schedule + day + attempt: the day's work is done once)
           ├─ inquiry: biller down ............... SIN_RESPUESTA, tried again in an hour
           ├─ no bill left to pay ................. SIN_DEUDA
           ├─ bill > Monto máximo ................. SUPERA_MAXIMO, e-mailed why (once a bill)
           ├─ funds short ......................... SIN_FONDOS, tried again tomorrow until the
           │                                        bill's due date, at most 3 tries; then
           │                                        FALLIDO, e-mailed
           └─ bill_pay (key programado-<schedule>-<bill>) → PAGADO / PENDIENTE / FALLIDO,
                                                    e-mailed
      └─ next_run_at → the next occurrence after *today* (a run missed while the workers were
         down is caught up once, not once per missed day); past the end date: FINALIZADO

A worker that dies mid-payment leaves its run EN_CURSO and the schedule's lease: once the lease
is over the schedule is due again and the next pass resumes that same run; the payment's key
makes paying again return the first payment, so a bill is never paid twice.

A company's schedule was approved once (its order): each occurrence pays up to the maximum
without new signatures, with the order's reference on the payment.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Account, Channel
from identity.services.notifications import notification_queue

from ..models import Payment, Schedule, ScheduleRun
from .bills import PaymentOrder, bill_inquire, bill_pay, payments_settle
from .errors import PaymentError
from .fees import bill_charges
from .gateway import Bill, BillerUnavailable
from .schedules import next_run_after

logger = logging.getLogger(__name__)

#: how long a claimed schedule is its worker's; a worker that died gives it up after this
LEASE = dt.timedelta(minutes=15)
CHUNK = 200
#: a biller that did not answer is asked again after this, up to MAX_DOWN_TRIES a day's run
RETRY_DOWN = dt.timedelta(hours=1)
MAX_DOWN_TRIES = 24
#: funds lacking: tried again daily until the bill's due date, at most this many times
MAX_FUND_TRIES = 3
#: how far back a schedule's runs matter to the next one (retries, bills already told about)
HISTORY = dt.timedelta(days=70)

Outcome = ScheduleRun.Outcome


@dataclass
class Result:
    """What one attempt found and did."""

    outcome: str
    bill: Bill | None = None
    payment: Payment | None = None
    message: str = ""
    #: the e-mail to send (subject, body), if any
    notice: tuple[str, str] | None = None
    #: tried again at ``retry_at`` (same occurrence, next attempt)
    retry_at: dt.datetime | None = None


def schedule_key(schedule: Schedule, bill_number: str) -> str:
    """The payment's idempotency key: one payment per schedule and bill, whatever runs twice."""
    return f"programado-{schedule.pk}-{bill_number}"


# --- The pass ----------------------------------------------------------------------------------


@dataclass
class Claimed:
    """A schedule this worker holds, the run it does now (None: the day is done already) and
    its recent runs, newest first."""

    schedule: Schedule
    run: ScheduleRun | None
    runs: list[ScheduleRun]
    result: Result | None = None
    #: the run a dead worker left EN_CURSO: its payment may already be made
    resumed: bool = False


def schedules_run_due(*, now: dt.datetime | None = None, limit: int | None = None) -> dict:
    """Runs every schedule due at ``now`` (at most ``limit``); returns how many ended in each
    outcome. Each chunk is claimed (its runs opened in the claim), worked, then recorded in
    one transaction: a worker that dies in between leaves its runs EN_CURSO for the next pass
    to resume."""
    now = now or timezone.now()
    counts: Counter = Counter()
    done = 0
    while limit is None or done < limit:
        size = CHUNK if limit is None else min(CHUNK, limit - done)
        claimed = schedules_claim(now=now, size=size)
        if not claimed:
            break
        done += len(claimed)
        counts.update(_work(claimed, now=now))
    if counts.get(ScheduleRun.Outcome.PAID):
        payments_settle()  # what this pass paid moves on to the billers now, not in a minute
    return dict(counts)


def schedule_run(
    *, schedule: Schedule, due_at: dt.datetime, now: dt.datetime, runs: list[ScheduleRun]
) -> str:
    """One claimed schedule's occurrence (or its next attempt, or the one a dead worker
    left), on its own."""
    [outcome] = _work(_open([(schedule, due_at)], runs={schedule.pk: runs}, now=now), now=now)
    return outcome


def schedules_claim(*, now: dt.datetime, size: int) -> list[Claimed]:
    """Takes up to ``size`` due schedules for this worker, each with its run opened."""
    due = Schedule.objects.filter(status=Schedule.Status.ACTIVE, next_run_at__lte=now).order_by(
        "next_run_at", "pk"
    )
    lease = now + LEASE
    if connection.features.has_select_for_update_skip_locked:
        # Rows another worker is claiming are skipped, not waited for; the ones we lock are
        # moved past ``now`` (and their runs opened) before the lock is let go.
        with transaction.atomic():
            rows = list(
                due.select_for_update(skip_locked=True).values_list("pk", "next_run_at")[:size]
            )
            Schedule.objects.filter(pk__in=[pk for pk, _ in rows]).update(next_run_at=lease)
            return _open(_loaded(rows), runs=_history([pk for pk, _ in rows], now=now), now=now)
    rows = [
        (pk, at)
        for pk, at in due.values_list("pk", "next_run_at")[:size]
        # Whoever moves it from the time it was due has it; the other update finds 0 rows.
        if Schedule.objects.filter(pk=pk, status=Schedule.Status.ACTIVE, next_run_at=at).update(
            next_run_at=lease
        )
    ]
    return _open(_loaded(rows), runs=_history([pk for pk, _ in rows], now=now), now=now)


def _loaded(rows) -> list[tuple[Schedule, dt.datetime]]:
    found = Schedule.objects.select_related("biller__category", "origin", "owner", "created_by")
    found = found.in_bulk([pk for pk, _ in rows])
    return [(found[pk], at) for pk, at in rows if pk in found]


def _history(ids: list[int], *, now: dt.datetime) -> dict[int, list[ScheduleRun]]:
    """The recent runs of the claimed schedules, newest first: one query a chunk."""
    since = timezone.localdate(now) - HISTORY
    runs: dict[int, list[ScheduleRun]] = {}
    for run in ScheduleRun.objects.filter(schedule_id__in=ids, due_on__gte=since).order_by(
        "schedule_id", "-due_on", "-attempt"
    ):
        runs.setdefault(run.schedule_id, []).append(run)
    return runs


def _open(claimed, *, runs: dict, now: dt.datetime) -> list[Claimed]:
    """The run each claimed schedule does now: the one a dead worker left EN_CURSO, the next
    attempt of one to be tried again, or the occurrence it was due for (a day already done is
    not done again: None). New runs are written together; one taken meanwhile is left out."""
    items, new = [], []
    today = timezone.localdate(now)
    for schedule, due_at in claimed:
        history = runs.get(schedule.pk, [])
        latest = history[0] if history else None
        if latest is not None and latest.outcome == Outcome.RUNNING:
            items.append(Claimed(schedule, latest, history, resumed=True))
            continue
        if schedule.ends_on is not None and today > schedule.ends_on:
            items.append(Claimed(schedule, None, history, Result(Schedule.Status.FINISHED)))
            continue
        run = None
        if latest is not None and latest.retries:
            run = ScheduleRun(schedule=schedule, due_on=latest.due_on, attempt=latest.attempt + 1)
        elif latest is None or latest.due_on < timezone.localdate(due_at):
            run = ScheduleRun(schedule=schedule, due_on=timezone.localdate(due_at), attempt=1)
        if run is not None:
            new.append(run)
        items.append(Claimed(schedule, run, history))
    try:
        with transaction.atomic():
            ScheduleRun.objects.bulk_create(new)
    except IntegrityError:  # someone did one of these days meanwhile: each on its own
        for item in items:
            if item.run is not None and item.run.pk is None and not item.resumed:
                item.run = _created(item.run)
    return items


def _created(run: ScheduleRun) -> ScheduleRun | None:
    try:
        with transaction.atomic():
            run.save(force_insert=True)
            return run
    except IntegrityError:
        return None


def _work(items: list[Claimed], *, now: dt.datetime) -> list[str]:
    for item in items:
        if item.run is None:
            continue  # finished, or its day done already
        try:
            item.result = _attempt(
                item.schedule, item.run, now=now, runs=item.runs, resumed=item.resumed
            )
        except Exception:
            # A bug, not a rule: the run stays EN_CURSO and the lease brings it back; the
            # other schedules go on.
            logger.exception("pago programado %s: la ejecución falló", item.schedule.pk)
    _record(items, now=now)
    return [_outcome(item) for item in items]


def _outcome(item: Claimed) -> str:
    if item.result is not None:
        return item.result.outcome
    return "YA_EJECUTADO" if item.run is None else "ERROR"


def _attempt(schedule: Schedule, run: ScheduleRun, *, now, runs, resumed=False) -> Result:
    if resumed:  # the dead worker may have paid before it died
        payment = Payment.objects.filter(schedule=schedule, created_at__gte=run.created_at).first()
        if payment is not None:
            return _paid(schedule, payment)
    try:
        bills = bill_inquire(biller=schedule.biller, reference=schedule.reference)
    except BillerUnavailable as exc:
        return _down(run, exc, now=now)
    bill = _bill_to_pay(bills, runs)
    if bill is None:
        return Result(Outcome.NO_BILL, message=gettext("No hay facturas pendientes."))
    if _above(schedule, bill):
        told = any(r.bill_number == bill.number and r.outcome == Outcome.ABOVE_MAX for r in runs)
        return Result(
            Outcome.ABOVE_MAX,
            bill=bill,
            message=gettext("La factura supera el monto máximo."),
            notice=None if told else _above_notice(schedule, bill),
        )
    return _pay(schedule, run, bill, bills, now=now)


def _pay(schedule: Schedule, run: ScheduleRun, bill: Bill, bills: list[Bill], *, now) -> Result:
    try:
        payment = bill_pay(order=_order(schedule, bill))
    except BillerUnavailable as exc:
        return _down(run, exc, now=now)
    except PaymentError as exc:
        if exc.field == "bill":  # paid some other way meanwhile: the next unpaid one, if any
            unpaid = _unpaid(schedule, bills)
            if unpaid is None:
                return Result(Outcome.NO_BILL, message=exc.message[:200])
            return _attempt_bill(schedule, run, unpaid, now=now)
        fee, vat = bill_charges(schedule.biller)
        if _available(schedule) < bill.amount + fee + vat:
            return _no_funds(schedule, run, bill, now=now)
        return Result(
            Outcome.FAILED,
            bill=bill,
            message=exc.message[:200],
            notice=_failed_notice(schedule, bill, exc.message),
        )
    return _paid(schedule, payment, bill)


def _above(schedule: Schedule, bill: Bill) -> bool:
    """The maximum is what the member authorized to be debited: the bill with its fee and
    VAT."""
    fee, vat = bill_charges(schedule.biller)
    return bill.amount + fee + vat > schedule.max_amount


def _attempt_bill(schedule, run, bill: Bill, *, now) -> Result:
    if _above(schedule, bill):
        told = ScheduleRun.objects.filter(
            schedule=schedule, bill_number=bill.number, outcome=Outcome.ABOVE_MAX
        ).exists()
        return Result(
            Outcome.ABOVE_MAX,
            bill=bill,
            message=gettext("La factura supera el monto máximo."),
            notice=None if told else _above_notice(schedule, bill),
        )
    return _pay(schedule, run, bill, [bill], now=now)


def _available(schedule: Schedule) -> Decimal:
    return Account.objects.filter(pk=schedule.origin_id).values_list("available", flat=True)[0]


def _bill_to_pay(bills: list[Bill], runs) -> Bill | None:
    """The oldest bill this schedule has not paid nor given up on (its recent runs say which;
    one paid some other way is refused by ``bill_pay`` and skipped then)."""
    done = {
        r.bill_number
        for r in runs
        if r.outcome in (Outcome.PAID, Outcome.PENDING, Outcome.FAILED) and r.bill_number
    }
    return next((b for b in bills if b.number not in done), None)


def _unpaid(schedule: Schedule, bills: list[Bill]) -> Bill | None:
    paid = set(
        Payment.objects.filter(
            biller=schedule.biller_id,
            reference=schedule.reference,
            bill_number__in=[b.number for b in bills],
            status__in=[Payment.Status.PENDING, Payment.Status.PAID],
        ).values_list("bill_number", flat=True)
    )
    return next((b for b in bills if b.number not in paid), None)


def _order(schedule: Schedule, bill: Bill) -> PaymentOrder:
    return PaymentOrder(
        user=schedule.created_by,
        member=schedule.owner,
        origin=schedule.origin,
        biller=schedule.biller,
        reference=schedule.reference,
        reference_fields=schedule.reference_fields,
        bill=bill,
        amount=bill.amount,
        idempotency_key=schedule_key(schedule, bill.number),
        channel=Channel.SYSTEM,
        schedule=schedule,
        # A company's schedule was signed once, as its order: no new signatures.
        order_reference=schedule.order_reference,
        description=gettext("Pago programado"),
    )


def _down(run: ScheduleRun, exc: PaymentError, *, now) -> Result:
    again = run.attempt < MAX_DOWN_TRIES
    return Result(
        Outcome.BILLER_DOWN, message=exc.message[:200], retry_at=now + RETRY_DOWN if again else None
    )


def _no_funds(schedule: Schedule, run: ScheduleRun, bill: Bill, *, now) -> Result:
    """Tried again tomorrow while the bill is not due and fewer than 3 tries were made; then
    given up on, and the member told."""
    today = timezone.localdate(now)
    tries = (
        1
        + ScheduleRun.objects.filter(schedule=schedule, due_on=run.due_on, outcome=Outcome.NO_FUNDS)
        .exclude(pk=run.pk)
        .count()
    )
    tomorrow = today + dt.timedelta(days=1)
    if tries < MAX_FUND_TRIES and (bill.due_on is None or tomorrow <= bill.due_on):
        return Result(
            Outcome.NO_FUNDS,
            bill=bill,
            message=gettext("Fondos insuficientes: lo intentaremos de nuevo mañana."),
            retry_at=timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(6, 0))),
        )
    return Result(
        Outcome.FAILED,
        bill=bill,
        message=gettext("Fondos insuficientes después de %(n)s intentos.") % {"n": tries},
        notice=_no_funds_notice(schedule, bill, tries),
    )


def _paid(schedule: Schedule, payment: Payment, bill: Bill | None = None) -> Result:
    outcome = {
        Payment.Status.PAID: Outcome.PAID,
        Payment.Status.PENDING: Outcome.PENDING,
    }.get(payment.status, Outcome.FAILED)
    bill = bill or Bill(
        payment.bill_number, payment.bill_period, payment.amount, payment.bill_due_on
    )
    notice = _paid_notice(schedule, payment)
    if outcome == Outcome.FAILED:
        notice = _failed_notice(schedule, bill, payment.failure_reason)
    return Result(
        outcome, bill=bill, payment=payment, message=payment.failure_reason[:200], notice=notice
    )


RUN_FIELDS = ["outcome", "bill_number", "bill_amount", "payment", "message", "retries"]


def _record(items: list[Claimed], *, now) -> None:
    """The runs' outcomes, their e-mails and the schedules' next looks, in one transaction
    for the chunk. A run without a result (a bug) stays EN_CURSO, its schedule on its lease."""
    today = timezone.localdate(now)
    stamp = timezone.now()
    runs, next_at = [], {}
    for item in items:
        schedule, run, result = item.schedule, item.run, item.result
        if result is None and run is not None:
            continue
        if result is not None and run is not None:
            bill = result.bill
            run.outcome = result.outcome
            run.bill_number = bill.number if bill else run.bill_number
            run.bill_amount = bill.amount if bill else run.bill_amount
            run.payment = result.payment
            run.message = result.message[:200]
            run.retries = result.retry_at is not None
            run.updated_at = stamp
            runs.append((schedule, run, result))
        if result is not None and result.outcome == Schedule.Status.FINISHED:
            next_at[schedule.pk] = None
        elif result is not None and result.retry_at is not None:
            next_at[schedule.pk] = result.retry_at
        else:
            next_at[schedule.pk] = next_run_after(schedule=schedule, day=today)
    with transaction.atomic():
        for schedule, run, result in runs:
            # One UPDATE a row (in the chunk's transaction): cheaper than bulk_update's CASEs.
            ScheduleRun.objects.filter(pk=run.pk).update(
                **{name: getattr(run, name) for name in RUN_FIELDS}, updated_at=stamp
            )
            if result.notice is not None:
                _notify(schedule, *result.notice)
        _reschedule(next_at, stamp)


def _reschedule(next_at: dict[int, dt.datetime | None], stamp) -> None:
    """The next looks (one UPDATE per distinct time), or FINALIZADO when there is none (past
    the end date). Only while a schedule is still active: a pause or cancel meanwhile wins."""
    by_time: dict = {}
    for pk, at in next_at.items():
        by_time.setdefault(at, []).append(pk)
    for at, pks in by_time.items():
        changes = {"next_run_at": at, "updated_at": stamp}
        if at is None:
            changes["status"] = Schedule.Status.FINISHED
        Schedule.objects.filter(pk__in=pks, status=Schedule.Status.ACTIVE).update(**changes)


# --- What the member is told -------------------------------------------------------------------


def _money(value) -> str:
    return f"{value:,.2f}"


def _notify(schedule: Schedule, subject: str, body: str) -> None:
    recipient = schedule.owner.email or getattr(schedule.created_by, "email", "")
    if not recipient:
        return
    greeted = schedule.owner.first_names.split()[0] if schedule.owner.first_names else ""
    notification_queue(
        channel="EMAIL",
        recipient=recipient,
        user=schedule.created_by,
        subject=subject,
        body=gettext("Hola, %(greeted)s:\n\n%(body)s\n\nCooprogreso en Línea")
        % {"greeted": greeted, "body": body},
    )


def _service(schedule: Schedule) -> dict:
    return {
        "biller": schedule.biller.name,
        "reference": schedule.reference,
        "max": _money(schedule.max_amount),
        "origin": schedule.origin.masked_number,
    }


def _above_notice(schedule: Schedule, bill: Bill) -> tuple[str, str]:
    fee, vat = bill_charges(schedule.biller)
    values = _service(schedule) | {
        "number": bill.number,
        "amount": _money(bill.amount),
        "total": _money(bill.amount + fee + vat),
    }
    return (
        gettext("Pago programado no realizado: la factura supera el monto máximo"),
        gettext(
            "La factura %(number)s de %(biller)s (referencia %(reference)s) es de "
            "$ %(amount)s ($ %(total)s con la comisión y el IVA), mayor al monto máximo de "
            "$ %(max)s de tu pago programado, por eso no la pagamos. Puedes pagarla en Pago de "
            "servicios o editar el monto máximo de tu pago programado."
        )
        % values,
    )


def _no_funds_notice(schedule: Schedule, bill: Bill, tries: int) -> tuple[str, str]:
    values = _service(schedule) | {
        "number": bill.number,
        "amount": _money(bill.amount),
        "tries": tries,
    }
    return (
        gettext("Pago programado no realizado: fondos insuficientes"),
        gettext(
            "No pudimos pagar la factura %(number)s de %(biller)s (referencia %(reference)s) "
            "por $ %(amount)s: tu cuenta %(origin)s no tuvo fondos suficientes en %(tries)s "
            "intentos. Puedes pagarla en Pago de servicios."
        )
        % values,
    )


def _failed_notice(schedule: Schedule, bill: Bill, why: str) -> tuple[str, str]:
    values = _service(schedule) | {"number": bill.number, "why": why}
    return (
        gettext("Pago programado no realizado"),
        gettext(
            "No se realizó el pago de la factura %(number)s de %(biller)s (referencia "
            "%(reference)s): %(why)s"
        )
        % values,
    )


def _paid_notice(schedule: Schedule, payment: Payment) -> tuple[str, str]:
    values = _service(schedule) | {
        "number": payment.bill_number,
        "amount": _money(payment.amount),
        "total": _money(payment.total),
        "authorization": payment.authorization,
    }
    if payment.status == Payment.Status.PENDING:
        return (
            gettext("Pago programado en proceso"),
            gettext(
                "Pagamos la factura %(number)s de %(biller)s (referencia %(reference)s) por "
                "$ %(amount)s desde tu cuenta %(origin)s; la empresa aún no lo confirma. Lo "
                "verás en tu historial de pagos."
            )
            % values,
        )
    return (
        gettext("Pago programado realizado"),
        gettext(
            "Pagamos la factura %(number)s de %(biller)s (referencia %(reference)s) por "
            "$ %(amount)s (total debitado $ %(total)s) desde tu cuenta %(origin)s. "
            "Autorización: %(authorization)s."
        )
        % values,
    )
