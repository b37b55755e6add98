"""What only PostgreSQL can show: concurrent settlement cycles under real row locks."""

import multiprocessing

import pytest
from django.db import connection, connections

from accounts.services.integrity import ledger_problems
from tests.factories import deposit
from tests.transfers.conftest import _interbank_pending, cycle_moment, origin_of
from transfers.models import SettlementBatch, Transfer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="necesita PostgreSQL (DATABASE_URL)"
    ),
]

WORKERS = 4
CYCLES_PER_WORKER = 8
TRANSFERS = 120


def _cycles(now, start, results):
    connections.close_all()  # a forked child must not share the parent's socket
    from transfers.services import settlement

    prepared, sent = [], []
    try:
        start.wait(timeout=30)
        for _ in range(CYCLES_PER_WORKER):
            result = settlement.cycle_run(now=now)
            if result.prepared:
                prepared.append(result.prepared.pk)
            sent += result.sent
        results.put(("ok", prepared, sent))
    except Exception as exc:  # any error fails the test
        results.put(("error", repr(exc), []))
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_parallel_cycles_never_put_a_transfer_in_two_batches(member_user):
    from transfers.services import settlement
    from transfers.services.gateway import SimulatedGateway

    account = origin_of(member_user)
    deposit(account, "100000.00")
    for n in range(TRANSFERS // 2):
        _interbank_pending(member_user, f"{n + 1}.00")
    now = cycle_moment()
    connections.close_all()

    ctx = multiprocessing.get_context("fork")
    start = ctx.Barrier(WORKERS + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=_cycles, args=(now, start, results)) for _ in range(WORKERS)]
    for p in procs:
        p.start()
    start.wait(timeout=30)
    # Members keep ordering while the cycles run.
    for n in range(TRANSFERS // 2, TRANSFERS):
        _interbank_pending(member_user, f"{n + 1}.00", process_date=now.date())
    for p in procs:
        p.join(timeout=120)
    outcomes = [results.get(timeout=5) for _ in range(WORKERS)]
    last = settlement.cycle_run(now=now)  # whatever was ordered after the workers' last cycle

    assert all(p.exitcode == 0 for p in procs)
    assert [o for o in outcomes if o[0] == "error"] == []
    prepared = [pk for o in outcomes for pk in o[1]] + ([last.prepared.pk] if last.prepared else [])
    batches = SettlementBatch.objects.all()
    assert sorted(prepared) == sorted(b.pk for b in batches)
    # Every batch sent exactly once, by one worker, and received once by the central bank.
    sent = [pk for o in outcomes for pk in o[2]] + last.sent
    assert sorted(sent) == sorted(b.pk for b in batches)
    received = SimulatedGateway().batches_received()
    assert sorted(r["file_name"] for r in received) == sorted(b.file_name for b in batches)
    assert all(r["submissions"] == 1 for r in received)
    assert all(b.status == SettlementBatch.Status.SENT for b in batches)
    # Every transfer in exactly one batch, and each batch's file lists exactly its transfers.
    transfers = Transfer.objects.all()
    assert transfers.count() == TRANSFERS
    assert all(t.batch_id is not None and t.status == Transfer.Status.SENT for t in transfers)
    assert sum(b.count for b in batches) == TRANSFERS
    for batch in batches:
        in_file = {int(line[1:13]) for line in batch.content.splitlines()[:-1]}
        assert in_file == set(batch.transfers.values_list("pk", flat=True))
    assert ledger_problems() == []
