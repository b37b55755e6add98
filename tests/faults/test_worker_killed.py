"""A Celery worker killed (SIGKILL to its whole process group) in the middle of paying a bulk
payment, of sending a settlement batch, of applying the central bank's answers, of settling an
immediate transfer or of building a download: what it finished stays done once, what it did
not is done once within 60 s of a worker being available again. Its own message cannot bring
that about: it stays unacknowledged in Redis until the visibility timeout, a quarter of an
hour. The sweeps a worker sends as it connects (cooperativa/celery.py ``SweepsOnConnect``) find
the work in the database.

How a worker is caught halfway: another database session holds a row the task reaches in the
middle of its work (``row_lock``; ``table_lock`` where what it reaches is a read), the test
waits until the worker waits for it, and kills the worker there. The lock is then released and
the killed worker's session ends as any killed worker's does, rolling back its unfinished step.
While the worker is stuck but alive, the same sweeps run from the test must leave its work to
it.
"""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from openpyxl import load_workbook

from accounts.models import Account, Entry, ExportJob, InternalAccount, Product, Transaction
from accounts.services.export_sweep import export_jobs_resume
from accounts.services.ledger import internal_account_id
from identity.models import IdType, Member, Notification
from payroll.models import PayrollBatch, PayrollRow
from payroll.services import execution
from payroll.services.batches import batch_pay
from payroll.tasks import payroll_resume
from tests.faults.conftest import RowLock
from tests.processes import ON_POSTGRES_AND_REDIS
from tests.stack import database_url, publish
from tests.transfers.conftest import IMMEDIATE_BANK, _interbank_pending
from transfers.models import Institution, SettlementBatch, Transfer
from transfers.services import calendar, cycles, settlement
from transfers.services.gateway import SimulatedGateway

pytestmark = ON_POSTGRES_AND_REDIS

RESUMED_WITHIN = 60  # seconds from the worker's restart
Payment = PayrollRow.Payment
S = Transfer.Status


class TableLock(RowLock):
    """Another session holding a whole table (LOCK TABLE … ACCESS EXCLUSIVE): a task waits at
    its first read of it, where no row lock would stop it."""

    def __init__(self, model):
        self.session = psycopg.connect(database_url(connection.settings_dict))
        table = connection.ops.quote_name(model._meta.db_table)
        self.session.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")


@pytest.fixture
def table_lock():
    """``table_lock(Model)``: a ``TableLock``, released at the end of the test if still held."""
    held = []

    def hold(model) -> TableLock:
        held.append(TableLock(model))
        return held[-1]

    yield hold
    for lock in held:
        if not lock.session.closed:
            lock.release()


def _kill_where_it_waits(stack, worker, lock, while_stuck=lambda: None) -> None:
    """Once the worker waits for ``lock``: ``while_stuck()``, then kill the worker, release
    the lock and wait until the killed worker's database session is gone (it ends when it
    next reads its closed connection, as a killed worker's idle session does at once)."""
    waiting = stack.wait_for("the worker waits for the held row", lock.waiting)
    while_stuck()
    worker.kill()
    lock.release()
    stack.wait_for("the killed worker's database session ends", lock.ended(waiting))


def _restarted(stack, worker, what: str, check) -> float:
    """Start the killed worker again; the seconds until ``check`` holds (at most 60)."""
    started = time.monotonic()
    worker.start()
    stack.wait_for(what, check, timeout=RESUMED_WITHIN)
    return time.monotonic() - started


# --- A bulk payment ----------------------------------------------------------------------------


def _approved_payroll(company, rows: int):
    """An administrator's bulk payment of ``rows`` rows of $1.00 to Cooprogreso accounts,
    approved (the company debited once, the rows PENDIENTE) and its message not sent yet."""
    owner = Member.objects.create(
        id_type=IdType.CEDULA, identification="1710034065", first_names="ANA", last_names="PEÑA"
    )
    accounts = Account.objects.bulk_create(
        Account(number=f"4199{n:08d}", product=Product.SAVINGS, owner=owner) for n in range(rows)
    )
    batch = PayrollBatch.objects.create(
        company=company,
        name="Nómina de prueba",
        status=PayrollBatch.Status.SAVED,
        created_by=company.maker,
        rows_count=rows,
        total=Decimal(rows),
    )
    PayrollRow.objects.bulk_create(
        PayrollRow(
            batch=batch,
            line=n + 2,
            identification=owner.identification,
            id_type="CEDULA",
            name="ANA PEÑA",
            account_number=account.number,
            account_type="AHORROS",
            amount=Decimal("1.00"),
            account=account,
        )
        for n, account in enumerate(accounts)
    )
    return batch_pay(
        user=company.admin,  # an administrator's order executes at once
        batch=batch,
        row_ids=None,
        debit_account=company.account,
        memo="Sueldos",
        key="faults",
    )


def test_a_worker_killed_mid_payroll_pays_the_rest_once_when_a_worker_is_back(
    stack, company, row_lock, ledger_clean, monkeypatch
):
    # The approval's message goes to the worker below, not to this process's inline Celery.
    monkeypatch.setattr(execution, "enqueue", lambda *args: None)
    rows = execution.CHUNK + 60
    order = _approved_payroll(company, rows)
    company_balance = Account.objects.get(pk=company.account.pk).balance
    pending = PayrollRow.objects.filter(order=order).order_by("pk")
    # The first row of the second chunk: the worker waits there with the first chunk paid.
    lock = row_lock(Account, pending[execution.CHUNK].account_id)
    worker = stack.worker()
    publish(stack.redis.url, "payroll.tasks.payroll_execute", order.pk)

    def while_stuck():
        assert pending.filter(payment=Payment.PAID).count() == execution.CHUNK
        # A live worker is paying it: the sweep leaves the order alone.
        assert payroll_resume() == 0

    _kill_where_it_waits(stack, worker, lock, while_stuck)
    assert pending.filter(payment=Payment.PAID).count() == execution.CHUNK
    assert pending.filter(payment=Payment.PENDING).count() == 60  # its second chunk rolled back

    def all_paid():
        return True if not pending.filter(payment=Payment.PENDING).exists() else None

    seconds = _restarted(stack, worker, "every row paid", all_paid)

    assert seconds < RESUMED_WITHIN
    assert pending.filter(payment=Payment.PAID).count() == rows
    credited = Account.objects.filter(pk__in=pending.values("account_id"))
    assert set(credited.values_list("balance", flat=True)) == {Decimal("1.00")}  # once each
    chunks = Transaction.objects.filter(idempotency_key__startswith=f"payroll:{order.pk}:rows:")
    assert chunks.count() == 2
    assert pending.values("transaction_id").distinct().count() == 2
    clearing = Account.objects.get(pk=internal_account_id(InternalAccount.PAYROLL_CLEARING))
    assert clearing.balance == Decimal("0.00")
    assert Account.objects.get(pk=company.account.pk).balance == company_balance  # debited once
    stack.stop()
    ledger_clean()


# --- A settlement batch ------------------------------------------------------------------------


def test_a_worker_killed_mid_settlement_send_sends_the_batch_once_when_a_worker_is_back(
    stack, member_user, row_lock, ledger_clean, monkeypatch
):
    # No cycle time is due (the catch-up would run that cycle and send the batch with it):
    # what must send it is the sweep of batches left PREPARADO.
    PeriodicTask.objects.filter(task=cycles.CYCLE_TASK).delete()
    today = timezone.localdate()
    # Accounts the simulated central bank accepts (it refuses those ending in 97 to 99).
    transfers = [
        _interbank_pending(member_user, f"{n}.00", f"22000000{n}", process_date=today)
        for n in (10, 20, 30)
    ]
    batch = settlement.batch_prepare(today)
    # The worker sends the file, then waits to mark the last transfer ENVIADA.
    lock = row_lock(Transfer, transfers[-1].pk)
    worker = stack.worker(any_day=True)
    central_bank = SimulatedGateway(root=worker.var_dir / "spi")
    publish(stack.redis.url, "transfers.tasks.settlement_cycle_now")  # staff's "run a cycle now"

    def while_stuck():
        [received] = central_bank.batches_received()
        assert (received["file_name"], received["submissions"]) == (batch.file_name, 1)
        # A live worker is sending it: the catch-up leaves the batch alone.
        monkeypatch.setattr(calendar, "is_business_day", lambda day: True)
        assert cycles.batches_stuck_send() == []

    _kill_where_it_waits(stack, worker, lock, while_stuck)
    batch.refresh_from_db()
    assert batch.status == SettlementBatch.Status.PREPARED  # received, never marked sent
    assert set(Transfer.objects.values_list("status", flat=True)) == {S.PENDING}

    def sent():
        batch.refresh_from_db()
        return True if batch.status != SettlementBatch.Status.PREPARED else None

    seconds = _restarted(stack, worker, "the batch marked sent", sent)

    assert seconds < RESUMED_WITHIN
    # The same file again, answered with its first reference: the central bank has it once.
    [received] = central_bank.batches_received()
    assert (received["file_name"], received["submissions"]) == (batch.file_name, 2)
    assert batch.gateway_reference == received["reference"]
    assert SettlementBatch.objects.count() == 1
    # Sent in that batch, or already credited (the worker also asked for the answers).
    states = Transfer.objects.order_by().values_list("batch_id", "status").distinct()
    assert {batch_id for batch_id, _ in states} == {batch.pk}
    assert {status for _, status in states} <= {S.SENT, S.CREDITED}
    stack.stop()
    ledger_clean()


# --- The central bank's answers ----------------------------------------------------------------

REJECTED = "2200000099"  # the simulator refuses accounts ending in 99 (CUENTA CERRADA)


def test_a_worker_killed_mid_results_returns_each_refused_transfer_once(
    stack, member_user, row_lock, ledger_clean, settings
):
    # The batch goes to the simulated central bank the worker will ask, in its folder.
    settings.VAR_DIR = stack.root / "worker"
    today = timezone.localdate()
    accepted = _interbank_pending(member_user, "10.00", "2200000010", process_date=today)
    refused = [
        _interbank_pending(member_user, f"{n}.00", REJECTED, process_date=today)
        for n in (20, 30, 40)
    ]
    batch = settlement.batch_prepare(today)
    assert settlement.batch_send(batch.pk)
    origin = Account.objects.get(pk=accepted.origin_id)
    before = origin.balance
    # The worker settles the accepted transfer and returns the first refused one, then waits.
    lock = row_lock(Transfer, refused[1].pk)
    worker = stack.worker()
    publish(stack.redis.url, "transfers.tasks.settlement_results")

    _kill_where_it_waits(stack, worker, lock)
    states = dict(Transfer.objects.values_list("pk", "status"))
    assert states == {
        accepted.pk: S.CREDITED,
        refused[0].pk: S.RETURNED,
        refused[1].pk: S.SENT,
        refused[2].pk: S.SENT,
    }

    def answered():
        batch.refresh_from_db()
        return True if batch.status == SettlementBatch.Status.ANSWERED else None

    seconds = _restarted(stack, worker, "the whole answer applied", answered)

    assert seconds < RESUMED_WITHIN
    returned = Transfer.objects.filter(pk__in=[t.pk for t in refused])
    assert set(returned.values_list("status", flat=True)) == {S.RETURNED}
    returns = Transaction.objects.filter(idempotency_key__startswith="spi-return-")
    assert sorted(returns.values_list("idempotency_key", flat=True)) == sorted(
        f"spi-return-{t.pk}" for t in refused
    )
    # Each refused transfer's amount, fee and VAT came back once; its member was told once.
    given_back = sum((t.amount + t.fee + t.vat for t in refused), Decimal("0.00"))
    assert Account.objects.get(pk=origin.pk).balance == before + given_back
    told = Notification.objects.filter(subject="Transferencia interbancaria devuelta")
    assert told.count() == len(refused)
    stack.stop()
    ledger_clean()


# --- An immediate transfer ---------------------------------------------------------------------


def test_a_worker_killed_waiting_for_an_immediate_answer_settles_it_once_when_a_worker_is_back(
    stack, member_user, row_lock, table_lock, ledger_clean, settings
):
    """The worker sent the transfer and the central bank answered "refused"; the worker died
    before recording it. Its claim ended with its session: the sweep a worker sends as it
    connects asks again at once (same reference), not after ``IMMEDIATE_STUCK_AFTER``."""
    # No cycle is due: the catch-up reads no institution while the test holds that table.
    PeriodicTask.objects.filter(task=cycles.CYCLE_TASK).delete()
    settings.VAR_DIR = stack.root / "worker"  # this process's sweep asks the worker's simulator
    transfer = _interbank_pending(member_user, "20.00", REJECTED, IMMEDIATE_BANK)
    assert transfer.settlement == Institution.Settlement.IMMEDIATE
    origin = Account.objects.get(pk=transfer.origin_id)
    before = origin.balance
    # First stop: ENVIADA and claimed, reading the transfer's institution for the request.
    institutions = table_lock(Institution)
    worker = stack.worker()
    central_bank = SimulatedGateway(root=worker.var_dir / "spi")
    publish(stack.redis.url, "transfers.tasks.transfer_send_immediate", transfer.pk)
    stack.wait_for("the worker reads the institution", institutions.waiting)
    transfer.refresh_from_db()
    assert transfer.status == S.SENT
    # Second stop: the central bank answered; the worker waits to record the answer.
    lock = row_lock(Transfer, transfer.pk)
    institutions.release()

    def while_stuck():
        [received] = central_bank.immediate_received()
        assert (received["line"]["reference"], received["submissions"]) == (
            f"{transfer.pk:012d}",
            1,
        )
        # A live worker waits for its answer: the sweep leaves the transfer to it.
        assert settlement.immediate_sweep() == 0
        assert central_bank.immediate_received()[0]["submissions"] == 1

    _kill_where_it_waits(stack, worker, lock, while_stuck)
    transfer.refresh_from_db()
    assert transfer.status == S.SENT  # answered, never recorded
    sent_at = transfer.sent_at

    def settled():
        transfer.refresh_from_db()
        return True if transfer.status != S.SENT else None

    seconds = _restarted(stack, worker, "the transfer settled", settled)

    assert seconds < RESUMED_WITHIN
    assert timezone.now() - sent_at < settlement.IMMEDIATE_STUCK_AFTER  # not the time rule
    assert transfer.status == S.RETURNED and transfer.return_reason == "CUENTA CERRADA"
    # Asked again under the same reference: one transfer at the central bank, answered once.
    [received] = central_bank.immediate_received()
    assert received["submissions"] == 2 and not received["accepted"]
    # The amount, fee and VAT came back once; the member was told once.
    returns = Transaction.objects.filter(idempotency_key__startswith="spi-return-")
    assert list(returns.values_list("idempotency_key", flat=True)) == [f"spi-return-{transfer.pk}"]
    given_back = transfer.amount + transfer.fee + transfer.vat
    assert Account.objects.get(pk=origin.pk).balance == before + given_back
    told = Notification.objects.filter(subject="Transferencia interbancaria devuelta")
    assert told.count() == 1
    stack.stop()
    ledger_clean()


# --- A download --------------------------------------------------------------------------------


def test_a_worker_killed_mid_export_builds_it_once_into_one_file_when_a_worker_is_back(
    stack, member_user, table_lock
):
    """Killed mid-build, the job stays PROCESANDO; its claim ended with the worker's session,
    so the sweep a worker sends as it connects gives it back and builds it at once, not after
    Celery's hard time limit."""
    account = member_user.customer.accounts.first()
    today = timezone.localdate()
    job = ExportJob.objects.create(  # as a request leaves it; its message is sent below
        user=member_user,
        account=account,
        kind=ExportJob.Kind.MOVEMENTS_XLSX,
        params={
            "date_from": (today - timedelta(days=30)).isoformat(),
            "date_to": today.isoformat(),
            "tipo": "",
        },
    )
    # The worker claims the job, then waits to count the account's movements.
    entries = table_lock(Entry)
    worker = stack.worker()
    publish(stack.redis.url, "accounts.tasks.export_job_run", job.pk)

    def while_stuck():
        job.refresh_from_db()
        assert (job.status, job.attempts) == (ExportJob.Status.RUNNING, 1)
        # A live worker is building it: the sweep neither gives it back nor builds it.
        assert export_jobs_resume() == 0
        assert ExportJob.objects.get(pk=job.pk).attempts == 1

    _kill_where_it_waits(stack, worker, entries, while_stuck)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.RUNNING  # its worker is gone

    def finished():
        job.refresh_from_db()
        return True if job.status in (ExportJob.Status.DONE, ExportJob.Status.FAILED) else None

    seconds = _restarted(stack, worker, "the download built", finished)

    assert seconds < RESUMED_WITHIN
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.attempts == 2  # built once more, once
    exported = list((worker.var_dir / "exports").iterdir())
    assert [path.name for path in exported] == [job.file_name]
    assert load_workbook(exported[0]).active.max_row >= 1
    stack.stop()
