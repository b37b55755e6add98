"""A cycle time that passed while beat, Redis or the workers were down runs once when they
are back; a batch a killed worker left PREPARADO is sent by the next catch-up, not at the next
cycle."""

from datetime import timedelta

from django.utils import timezone

from accounts.services.integrity import ledger_problems
from tests.transfers.conftest import cycle_moment
from transfers.models import SettlementBatch, SettlementCycle, Transfer
from transfers.services import cycles, settlement

S = Transfer.Status


def test_the_schedule_gives_the_latest_cycle_time_passed_on_a_weekday(db):
    day = cycle_moment().date()  # a business day (a weekday)
    at = cycle_moment(hour=12) + timedelta(minutes=7)
    assert cycles.cycle_slot(at).astimezone(at.tzinfo) == cycle_moment(hour=11)
    assert cycles.cycle_slot(cycle_moment(hour=8)) is None  # before the first one
    saturday = day + timedelta(days=(5 - day.weekday()) % 7)
    noon = timezone.make_aware(timezone.datetime.combine(saturday, timezone.datetime.min.time()))
    assert cycles.cycle_slot(noon + timedelta(hours=12)) is None


def test_a_missed_cycle_runs_once_when_the_catch_up_comes(
    member_user, interbank_pending, central_bank
):
    transfer = interbank_pending(member_user, "10.00")
    back = cycle_moment(hour=11) + timedelta(minutes=40)  # beat was down at 11:00

    first = cycles.cycle_once(back)
    again = cycles.cycle_once(back + timedelta(minutes=1))

    assert first is not None and first.sent == [first.prepared.pk]
    assert again is None  # the 11:00 cycle ran once
    assert SettlementCycle.objects.count() == 1
    [received] = central_bank.batches_received()
    assert received["submissions"] == 1
    transfer.refresh_from_db()
    assert transfer.status == S.SENT
    # The 13:00 cycle is its own time: it runs when it comes.
    assert cycles.cycle_once(cycle_moment(hour=13)) is not None
    assert SettlementCycle.objects.count() == 2


def test_a_batch_left_prepared_by_a_killed_worker_is_sent_by_the_sweep(
    member_user, interbank_pending, central_bank, monkeypatch
):
    transfer = interbank_pending(member_user, "25.00")
    now = cycle_moment()
    # The worker died after preparing the batch and before sending it.
    monkeypatch.setattr(settlement, "batch_send", lambda batch_id: False)
    batch = settlement.cycle_run(now=now).prepared
    monkeypatch.undo()
    assert batch.status == SettlementBatch.Status.PREPARED

    # Nobody holds it (a live worker sending it would: tests/faults/test_worker_killed.py),
    # so the next catch-up sends it, however fresh.
    assert cycles.batches_stuck_send(now) == [batch.pk]
    assert cycles.batches_stuck_send(now) == []  # once
    settlement.results_apply()
    transfer.refresh_from_db()
    assert transfer.status == S.CREDITED
    [received] = central_bank.batches_received()
    assert received["submissions"] == 1
    assert ledger_problems() == []
