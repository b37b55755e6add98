"""Interbank settlement: batch cycles, the central bank's answers, immediate transfers and
incoming credits — each applied once, whatever is repeated or interrupted."""

import hashlib
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Account, InternalAccount, Transaction, TransactionKind
from accounts.services.integrity import ledger_problems
from common.claims import _keys
from identity.models import Notification
from tests.factories import AccountFactory, deposit
from tests.stack import database_url
from tests.transfers.conftest import IMMEDIATE_BANK, balance_of, cycle_moment, origin_of
from transfers.models import ClosedDay, IncomingCredit, SettlementBatch, Transfer
from transfers.services import cycles, settlement
from transfers.services.calendar import next_business_day
from transfers.services.gateway import (
    DETAIL_LENGTH,
    GatewayError,
    SimulatedGateway,
    batch_file_parse,
    incoming_credit_drop,
)

pytestmark = pytest.mark.django_db

S = Transfer.Status
CLEARING = InternalAccount.INTERBANK_CLEARING
FEES = InternalAccount.FEE_INCOME
VAT = InternalAccount.VAT_PAYABLE


def money(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def refreshed(*transfers):
    for transfer in transfers:
        transfer.refresh_from_db()
    return transfers


def internal_balances():
    return {code: balance_of(code) for code in (CLEARING, FEES, VAT)}


def returns_of(transfer) -> int:
    return Transaction.objects.filter(
        kind=TransactionKind.INTERBANK_RETURN, idempotency_key=f"spi-return-{transfer.pk}"
    ).count()


# --- Batch cycles -------------------------------------------------------------------------


@pytest.mark.parametrize("refunds_fee", [True, False])
def test_a_cycle_credits_accepted_and_returns_rejected_transfers(
    member_user, interbank_pending, central_bank, settings, refunds_fee
):
    settings.INTERBANK_RETURN_REFUNDS_FEE = refunds_fee
    account = origin_of(member_user)
    before = internal_balances()
    good = interbank_pending(member_user, "100.00", account_number="2200001234")
    closed = interbank_pending(member_user, "50.00", account_number="2200005599")
    wrong_id = interbank_pending(
        member_user, "20.00", account_number="10000097", institution_code="0037"
    )
    assert balance_of(account) == money("500") - money("170") - 3 * money("0.41")

    result = settlement.cycle_run(now=cycle_moment())

    batch = result.prepared
    assert result.business_day and result.sent == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == SettlementBatch.Status.SENT and batch.sent_at
    assert batch.gateway_reference == central_bank.batches_received()[0]["reference"]
    assert [t.status for t in refreshed(good, closed, wrong_id)] == [S.SENT] * 3
    assert {t.batch_id for t in (good, closed, wrong_id)} == {batch.pk}

    summary = settlement.results_apply()

    assert (summary.credited, summary.returned, summary.answered) == (1, 2, [batch.pk])
    good, closed, wrong_id = refreshed(good, closed, wrong_id)
    assert good.status == S.CREDITED and good.settled_at is not None and not good.return_reason
    assert closed.status == S.RETURNED and closed.return_reason == "CUENTA CERRADA"
    assert wrong_id.return_reason == "IDENTIFICACIÓN NO CORRESPONDE AL TITULAR"
    assert closed.return_transaction.kind == TransactionKind.INTERBANK_RETURN
    batch.refresh_from_db()
    assert batch.status == SettlementBatch.Status.ANSWERED and batch.answered_at

    # Money: the member paid only the accepted transfer (and the returned ones' fees when the
    # cooperative keeps them); the clearing account holds only what went out.
    kept = 0 if refunds_fee else 2
    assert balance_of(account) == money("500") - money("100.41") - kept * money("0.41")
    after = internal_balances()
    assert after[CLEARING] - before[CLEARING] == money("100")
    assert after[FEES] - before[FEES] == (1 + kept) * money("0.36")
    assert after[VAT] - before[VAT] == (1 + kept) * money("0.05")
    refund = closed.return_transaction.entries.get(account=account, role="PRINCIPAL")
    assert refund.amount == money("50") and refund.description == (
        "DEVOLUCIÓN TRANSFERENCIA CUENTA CERRADA"
    )
    assert closed.return_transaction.entries.count() == (6 if refunds_fee else 2)
    assert ledger_problems() == []

    # The member is told, through the outbox, about each returned transfer.
    notices = Notification.objects.filter(recipient=member_user.customer.email)
    assert notices.count() == 2
    notice = notices.get(body__contains="CUENTA CERRADA")
    assert notice.subject == "Transferencia interbancaria devuelta"
    assert "$ 50.00" in notice.body and "*****5599" in notice.body


def test_the_batch_file_has_fixed_fields_and_a_verifiable_control_line(
    member_user, interbank_pending
):
    first = interbank_pending(member_user, "100.00", account_number="2200001234")
    second = interbank_pending(
        member_user, "0.01", account_number="12345678901234567890", institution_code="0037"
    )

    batch = settlement.cycle_run(now=cycle_moment()).prepared

    *details, control = batch.content.split("\n")[:-1]
    assert batch.content.endswith("\n") and len(details) == 2
    assert all(len(line) == DETAIL_LENGTH == 158 for line in details)
    line = details[0]
    assert line[0] == "D"
    assert int(line[1:13]) == first.pk
    assert line[13:23] == "0032".ljust(10)
    assert line[23:33] == "AHORROS".ljust(10)
    assert line[33:53] == "2200001234".ljust(20)
    assert line[53:63] == "CEDULA".ljust(10)
    assert line[63:83] == "1710034065".ljust(20)
    assert line[83:143] == "MARIA JOSE NANEZ PEREZ".ljust(60)  # plain upper-case ASCII
    assert line[143:] == "000000000010000"
    assert int(details[1][1:13]) == second.pk and details[1][143:] == "000000000000001"
    checksum = hashlib.sha256("".join(d + "\n" for d in details).encode()).hexdigest()
    assert control == f"C{2:08d}{10001:017d}{checksum}"
    assert (batch.count, batch.total, batch.checksum) == (2, money("100.01"), checksum)
    assert batch.file_name == f"SPI_0001_{cycle_moment().date():%Y%m%d}_{batch.pk:06d}.txt"
    assert [line.reference for line in batch_file_parse(batch.content)] == [
        f"{first.pk:012d}",
        f"{second.pk:012d}",
    ]
    with pytest.raises(GatewayError):
        batch_file_parse(batch.content.replace("MARIA", "MARIO"))


def test_running_the_cycle_again_sends_nothing_twice(member_user, interbank_pending, central_bank):
    transfer = interbank_pending(member_user, "10.00")
    now = cycle_moment()

    first = settlement.cycle_run(now=now)
    second = settlement.cycle_run(now=now)
    settlement.results_apply()
    settlement.results_apply()

    assert first.prepared is not None and first.sent == [first.prepared.pk]
    assert second.prepared is None and second.sent == [] and second.failed == []
    assert SettlementBatch.objects.count() == 1
    [received] = central_bank.batches_received()
    assert received["submissions"] == 1
    transfer.refresh_from_db()
    assert transfer.status == S.CREDITED
    assert ledger_problems() == []


def test_only_due_transfers_go_and_later_ones_wait(member_user, interbank_pending):
    now = cycle_moment()
    due = interbank_pending(member_user, "10.00", process_date=now.date())
    later = interbank_pending(member_user, "20.00", process_date=next_business_day(now.date()))

    batch = settlement.cycle_run(now=now).prepared

    assert list(batch.transfers.all()) == [due]
    later.refresh_from_db()
    assert later.status == S.PENDING and later.batch is None


def _send_fails_once(monkeypatch, *, after_delivery: bool):
    """The process dies (or the answer is lost) while sending: before the central bank got
    the file, or after it did."""
    original = SimulatedGateway.send_batch
    calls = {"n": 0}

    def flaky(self, file_name, content):
        calls["n"] += 1
        if calls["n"] == 1:
            if after_delivery:
                original(self, file_name, content)
            raise GatewayError("se cortó la conexión")
        return original(self, file_name, content)

    monkeypatch.setattr(SimulatedGateway, "send_batch", flaky)
    return calls


def test_a_batch_left_prepared_is_sent_once_with_the_same_file_name(
    member_user, interbank_pending, central_bank, monkeypatch
):
    _send_fails_once(monkeypatch, after_delivery=False)
    account = origin_of(member_user)
    rejected = interbank_pending(member_user, "40.00", account_number="2200000099")
    now = cycle_moment()

    crashed = settlement.cycle_run(now=now)

    batch = crashed.prepared
    assert crashed.sent == [] and crashed.failed == [batch.pk]
    batch.refresh_from_db()
    rejected.refresh_from_db()
    assert batch.status == SettlementBatch.Status.PREPARED and not batch.gateway_reference
    assert rejected.status == S.PENDING and rejected.batch == batch
    assert central_bank.batches_received() == []
    # Ordered meanwhile: it goes in a new batch, never into the one already written.
    newer = interbank_pending(member_user, "5.00", process_date=now.date())

    rerun = settlement.cycle_run(now=now + timedelta(hours=2))

    assert rerun.sent == [batch.pk, rerun.prepared.pk]
    assert list(rerun.prepared.transfers.all()) == [newer]
    received = {r["file_name"]: r for r in central_bank.batches_received()}
    assert set(received) == {batch.file_name, rerun.prepared.file_name}
    assert received[batch.file_name]["content"] == batch.content
    assert all(r["submissions"] == 1 for r in received.values())

    settlement.results_apply()
    settlement.results_apply()
    rejected.refresh_from_db()
    assert rejected.status == S.RETURNED and returns_of(rejected) == 1
    assert balance_of(account) == money("500") - money("5.41")
    assert ledger_problems() == []


def test_a_file_the_central_bank_got_but_whose_answer_was_lost_is_not_processed_twice(
    member_user, interbank_pending, central_bank, monkeypatch
):
    _send_fails_once(monkeypatch, after_delivery=True)
    account = origin_of(member_user)
    rejected = interbank_pending(member_user, "40.00", account_number="2200000098")
    accepted = interbank_pending(member_user, "60.00")
    now = cycle_moment()

    batch = settlement.cycle_run(now=now).prepared
    batch.refresh_from_db()
    assert batch.status == SettlementBatch.Status.PREPARED
    [held] = central_bank.batches_received()

    rerun = settlement.cycle_run(now=now + timedelta(hours=2))

    assert rerun.sent == [batch.pk] and rerun.prepared is None
    batch.refresh_from_db()
    assert batch.gateway_reference == held["reference"]
    [held] = central_bank.batches_received()
    assert held["submissions"] == 2  # the same file again: recognised, not processed twice
    settlement.results_apply()
    settlement.results_apply()
    rejected, accepted = refreshed(rejected, accepted)
    assert (rejected.status, accepted.status) == (S.RETURNED, S.CREDITED)
    assert returns_of(rejected) == 1
    assert balance_of(account) == money("500") - money("60.41")
    assert ledger_problems() == []


def test_the_central_bank_refuses_the_same_file_name_with_other_content(central_bank):
    from dataclasses import replace

    from transfers.services.gateway import TransferLine, batch_file_build

    line = TransferLine("1", "0032", "AHORROS", "1", "CEDULA", "1", "A", Decimal("1.00"))
    central_bank.send_batch("SPI_X.txt", batch_file_build([line]).content)
    other = batch_file_build([replace(line, amount=Decimal("2.00"))]).content
    with pytest.raises(GatewayError):
        central_bank.send_batch("SPI_X.txt", other)


def test_answers_applied_twice_credit_the_member_once(member_user, interbank_pending, settings):
    account = origin_of(member_user)
    transfer = interbank_pending(member_user, "30.00", account_number="2200000099")
    settlement.cycle_run(now=cycle_moment())
    settlement.results_apply()
    settlement.results_apply()
    transfer.refresh_from_db()
    first_refund = transfer.return_transaction_id
    assert balance_of(account) == money("500")

    # As if the status change had been lost after the refund was posted: the answer is
    # applied again and the posting's key returns the first refund.
    Transfer.objects.filter(pk=transfer.pk).update(status=S.SENT, return_transaction=None)
    SettlementBatch.objects.filter(pk=transfer.batch_id).update(status=SettlementBatch.Status.SENT)
    summary = settlement.results_apply()

    transfer.refresh_from_db()
    assert summary.returned == 1
    assert transfer.status == S.RETURNED and transfer.return_transaction_id == first_refund
    assert returns_of(transfer) == 1
    assert balance_of(account) == money("500")
    assert settlement.outcome_apply(transfer.pk, accepted=False, reason="X") is None
    assert ledger_problems() == []


def test_no_batch_on_a_non_business_day(member_user, interbank_pending):
    transfer = interbank_pending(member_user, "10.00", process_date=date(2025, 10, 9))
    holiday = timezone.make_aware(datetime(2025, 10, 10, 9))  # moved Independence of Guayaquil
    saturday = timezone.make_aware(datetime(2025, 10, 11, 11))
    closed = cycle_moment()
    ClosedDay.objects.create(date=closed.date(), reason="Feriado local")

    for moment in (holiday, saturday, closed):
        result = settlement.cycle_run(now=moment)
        assert not result.business_day and result.prepared is None

    assert not SettlementBatch.objects.exists()
    transfer.refresh_from_db()
    assert transfer.status == S.PENDING and transfer.batch is None


def test_a_refund_that_cannot_be_posted_waits_and_keeps_the_batch_open(
    member_user, interbank_pending
):
    account = origin_of(member_user)
    transfer = interbank_pending(member_user, "10.00", account_number="2200000099")
    settlement.cycle_run(now=cycle_moment())
    Account.objects.filter(pk=account.pk).update(status=Account.Status.CLOSED)

    summary = settlement.results_apply()

    transfer.refresh_from_db()
    assert summary.failed == 1 and transfer.status == S.SENT
    assert transfer.batch.status == SettlementBatch.Status.SENT
    Account.objects.filter(pk=account.pk).update(status=Account.Status.ACTIVE)
    assert settlement.results_apply().returned == 1
    assert ledger_problems() == []


# --- Immediate transfers ------------------------------------------------------------------


def test_immediate_transfers_are_settled_at_once(
    member_user, interbank_pending, central_bank, settings
):
    from transfers.tasks import transfer_send_immediate

    account = origin_of(member_user)
    deposit(account, "1000.00")
    accepted = interbank_pending(member_user, "100.00", institution_code=IMMEDIATE_BANK)
    rejected = interbank_pending(
        member_user, "50.00", account_number="3300000099", institution_code=IMMEDIATE_BANK
    )
    too_big = interbank_pending(member_user, "470.01", institution_code="0017")
    assert accepted.settlement == rejected.settlement == "INMEDIATA"
    assert too_big.settlement == "LOTE"  # above the institution's immediate cap

    for transfer in (accepted, rejected, accepted, rejected, too_big):
        transfer_send_immediate.delay(transfer.pk)  # repeats: the message is only "look now"

    accepted, rejected, too_big = refreshed(accepted, rejected, too_big)
    assert accepted.status == S.CREDITED and accepted.settled_at is not None
    assert rejected.status == S.RETURNED and rejected.return_reason == "CUENTA CERRADA"
    assert too_big.status == S.PENDING
    assert [r["submissions"] for r in central_bank.immediate_received()] == [1, 1]
    assert returns_of(rejected) == 1
    assert balance_of(account) == money("1500") - money("100.41") - money("470.42")
    assert Notification.objects.filter(recipient=member_user.customer.email).count() == 1
    assert ledger_problems() == []


def test_the_sweep_sends_immediate_transfers_a_lost_message_left_pending(
    member_user, interbank_pending, central_bank
):
    first = interbank_pending(member_user, "10.00", institution_code=IMMEDIATE_BANK)
    second = interbank_pending(
        member_user, "20.00", account_number="3300000098", institution_code=IMMEDIATE_BANK
    )

    assert settlement.immediate_sweep() == 2
    assert settlement.immediate_sweep() == 0

    first, second = refreshed(first, second)
    assert (first.status, second.status) == (S.CREDITED, S.RETURNED)
    assert len(central_bank.immediate_received()) == 2


def _left_sent_by_a_worker(transfer) -> None:
    """The worker claimed it, the central bank answered, and the worker died (or hangs)."""
    Transfer.objects.filter(pk=transfer.pk).update(status=S.SENT, sent_at=timezone.now())
    SimulatedGateway().send_immediate(settlement.transfer_line(transfer))


@contextmanager
def _claimed_elsewhere(transfer_id: int):
    """On PostgreSQL, another session holding the transfer's claim (a live worker, or a dead
    one's lock kept by a pooler) until the block ends; nothing on SQLite, which has no claims."""
    if connection.vendor != "postgresql":
        yield
        return
    other = psycopg.connect(database_url(connection.settings_dict), autocommit=True)
    try:
        other.execute(
            "SELECT pg_advisory_lock(%s, %s)", _keys(settlement.IMMEDIATE_CLAIM, transfer_id)
        )
        yield
    finally:
        other.execute("SELECT pg_advisory_unlock_all()")  # at once, as the session's end would
        other.close()


def test_an_immediate_transfer_left_sent_is_asked_again_after_the_stuck_time_whatever_its_claim(
    member_user, interbank_pending, central_bank
):
    transfer = interbank_pending(
        member_user, "10.00", account_number="3300000097", institution_code=IMMEDIATE_BANK
    )
    _left_sent_by_a_worker(transfer)

    with _claimed_elsewhere(transfer.pk):
        assert settlement.immediate_sweep() == 0  # too recent: it may still be in flight
        later = timezone.now() + settlement.IMMEDIATE_STUCK_AFTER + timedelta(seconds=1)
        assert settlement.immediate_sweep(now=later) == 1

    transfer.refresh_from_db()
    assert transfer.status == S.RETURNED and returns_of(transfer) == 1
    [record] = central_bank.immediate_received()
    assert record["submissions"] == 2 and record["reason"] == transfer.return_reason
    assert settlement.immediate_sweep(now=later) == 0
    assert ledger_problems() == []


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="necesita PostgreSQL")
def test_an_immediate_transfer_whose_worker_died_is_asked_again_at_once(
    member_user, interbank_pending, central_bank
):
    transfer = interbank_pending(
        member_user, "10.00", account_number="3300000097", institution_code=IMMEDIATE_BANK
    )
    _left_sent_by_a_worker(transfer)
    with _claimed_elsewhere(transfer.pk):
        assert settlement.immediate_sweep() == 0  # its worker lives: it waits for the answer
    transfer.refresh_from_db()
    assert transfer.status == S.SENT

    # Its session ended: the claim is free, so the sweep asks now, not after the stuck time.
    assert settlement.immediate_sweep() == 1
    assert settlement.immediate_sweep() == 0
    transfer.refresh_from_db()
    assert transfer.status == S.RETURNED and returns_of(transfer) == 1
    [record] = central_bank.immediate_received()
    assert record["submissions"] == 2
    assert Notification.objects.filter(subject="Transferencia interbancaria devuelta").count() == 1
    assert ledger_problems() == []


def test_an_immediate_transfer_the_gateway_failed_goes_back_to_pending(
    member_user, interbank_pending, monkeypatch
):
    transfer = interbank_pending(member_user, "10.00", institution_code=IMMEDIATE_BANK)

    def down(self, line):
        raise GatewayError("sin conexión")

    with monkeypatch.context() as patch:
        patch.setattr(SimulatedGateway, "send_immediate", down)
        assert settlement.immediate_send(transfer.pk) is None
    transfer.refresh_from_db()
    assert transfer.status == S.PENDING

    assert settlement.immediate_sweep() == 1
    transfer.refresh_from_db()
    assert transfer.status == S.CREDITED


# --- Incoming credits ---------------------------------------------------------------------


def test_incoming_credits_are_credited_once_and_unknown_accounts_returned(
    member_user, central_bank
):
    account = origin_of(member_user)
    inactive = AccountFactory(owner=member_user.customer)
    deposit(inactive, "1.00")
    Account.objects.filter(pk=inactive.pk).update(status=Account.Status.INACTIVE)
    clearing = balance_of(CLEARING)
    good = incoming_credit_drop(
        institution_code="0017",
        account_number=account.number,
        amount="25.50",
        sender_name="Juan Pérez",
        memo="Pago arriendo",
    )
    unknown = incoming_credit_drop(
        institution_code="0010", account_number="4102999999", amount="5", sender_name="ANA"
    )
    dormant = incoming_credit_drop(
        institution_code="0010", account_number=inactive.number, amount="7", sender_name="ANA"
    )

    summary = settlement.incoming_apply()

    assert (summary.credited, summary.returned) == (1, 2)
    assert balance_of(account) == money("525.50")
    assert balance_of(CLEARING) == clearing - money("25.50")
    credit = IncomingCredit.objects.get(reference=good)
    assert credit.status == IncomingCredit.Status.CREDITED
    assert credit.institution.code == "0017"
    [entry] = credit.transaction.entries.filter(account=account)
    assert entry.description == "TRANSFERENCIA RECIBIDA DE JUAN PÉREZ"
    assert credit.transaction.memo == "Pago arriendo"
    returned = IncomingCredit.objects.get(reference=unknown)
    assert returned.status == IncomingCredit.Status.RETURNED and returned.transaction is None
    assert returned.return_reason == "CUENTA NO EXISTE"
    assert IncomingCredit.objects.get(reference=dormant).return_reason == "CUENTA INACTIVA"
    assert central_bank.incoming() == []  # acknowledged

    # The central bank sends the same credit again: it is recognised, not credited twice.
    incoming_credit_drop(
        institution_code="0017",
        account_number=account.number,
        amount="25.50",
        sender_name="Juan Pérez",
        reference=good,
    )
    again = settlement.incoming_apply()
    assert (again.credited, again.skipped) == (0, 1)
    assert balance_of(account) == money("525.50")
    assert ledger_problems() == []


# --- Tasks, schedules, back office -------------------------------------------------------


def test_beat_schedules_are_in_the_database():
    from django_celery_beat.models import PeriodicTask

    tasks = {t.task: t for t in PeriodicTask.objects.filter(task__startswith="transfers.")}
    assert set(tasks) == {
        "transfers.tasks.settlement_cycle",
        "transfers.tasks.settlement_results",
        "transfers.tasks.immediate_sweep",
        "transfers.tasks.incoming_credits",
        "transfers.tasks.settlement_catch_up",
    }
    cycles = tasks["transfers.tasks.settlement_cycle"].crontab
    assert (cycles.minute, cycles.hour, cycles.day_of_week) == ("0", "9,11,13,15", "1-5")
    assert str(cycles.timezone) == "America/Guayaquil"
    for name in (
        "settlement_results",
        "immediate_sweep",
        "incoming_credits",
        "settlement_catch_up",
    ):
        interval = tasks[f"transfers.tasks.{name}"].interval
        assert (interval.every, interval.period) == (60, "seconds")


def test_the_tasks_call_the_services(member_user, interbank_pending, monkeypatch):
    from transfers import tasks

    transfer = interbank_pending(member_user, "10.00", account_number="2200000099")
    now = cycle_moment()
    real_cycle = settlement.cycle_run
    monkeypatch.setattr(settlement, "cycle_run", lambda now=None, _n=now: real_cycle(now=_n))
    monkeypatch.setattr(cycles, "cycle_slot", lambda at, _n=now: _n)  # a cycle time, whenever

    tasks.settlement_cycle.delay()
    tasks.settlement_results.delay()
    tasks.immediate_sweep.delay()
    tasks.incoming_credits.delay()

    transfer.refresh_from_db()
    assert transfer.status == S.RETURNED


def test_staff_see_cycles_files_and_states(admin_client, member_user, interbank_pending):
    transfer = interbank_pending(member_user, "10.00")
    batch = settlement.cycle_run(now=cycle_moment()).prepared
    settlement.results_apply()
    incoming_credit_drop(institution_code="0017", account_number="0", amount="1", sender_name="X")
    settlement.incoming_apply()

    for model in (
        "institution",
        "closedday",
        "cooperativelimit",
        "memberlimit",
        "beneficiary",
        "transfer",
        "settlementbatch",
        "incomingcredit",
    ):
        assert admin_client.get(f"/backoffice/transfers/{model}/").status_code == 200, model
    page = admin_client.get(f"/backoffice/transfers/settlementbatch/{batch.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert batch.checksum in text and batch.file_name in text and transfer.to_name in text
    filtered = admin_client.get("/backoffice/transfers/transfer/?status__exact=ACREDITADA&q=Pérez")
    assert filtered.status_code == 200 and transfer.to_name in filtered.content.decode()

    response = admin_client.post(
        "/backoffice/transfers/settlementbatch/",
        {"action": "cycle_now", "_selected_action": [batch.pk]},
        follow=True,
    )
    assert "Ciclo de compensación solicitado" in response.content.decode()
