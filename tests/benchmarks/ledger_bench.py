"""Figure 1: internal transfers per second through the posting service, beside the same locking
SQL issued by a bare driver (psycopg on PostgreSQL, sqlite3 on SQLite).

The same N processes run both, in alternating phases (bare, service, bare, service ...) started
together on a barrier, so a burst of load from elsewhere on the machine hits both sides alike.
The bare side never goes through Django: it has its own driver connection.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import queue as queue_module
import random
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

CENT = Decimal("0.01")
DESCRIPTION = "TRANSFERENCIA"
WARMUP_POSTINGS = 20

INSERT_TXN = (
    "INSERT INTO accounts_transaction (kind, channel, memo, reason, idempotency_key, fingerprint,"
    " initiated_by_id, posted_at, details) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, NULL, {p}, {p})"
)
LOCK = (
    "SELECT id, balance, available, status, internal_code FROM accounts_account"
    " WHERE id IN ({p}, {p}) ORDER BY id"
)
INSERT_ENTRIES = (
    "INSERT INTO accounts_entry (transaction_id, account_id, amount, balance_after, description,"
    " role, posted_at) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}),"
    " ({p}, {p}, {p}, {p}, {p}, {p}, {p})"
)
UPDATE = (
    "UPDATE accounts_account SET"
    " balance = CASE WHEN id = {p} THEN {p} WHEN id = {p} THEN {p} ELSE NULL END,"
    " available = CASE WHEN id = {p} THEN {p} WHEN id = {p} THEN {p} ELSE NULL END{extra}"
    " WHERE id IN ({p}, {p})"
)
# Written by the service too where the column exists (accounts migration 0004).
LAST_POSTED = ", last_posted_at = {p}"


@dataclass
class LedgerResult:
    rate: float  # postings per second, all processes together, over all phases of this side
    postings: int
    seconds: float
    per_process: list[float]
    per_phase: list[float]


def _pick(rng: random.Random, ids: list[int]) -> tuple[int, int, Decimal]:
    source, target = rng.sample(ids, 2)
    return source, target, Decimal(rng.randint(1, 500)).scaleb(-2)


def _service(env, ids, rng, prefix):
    """One internal transfer through ``transaction_post`` (Django already set up)."""
    from accounts.models import Channel, TransactionKind
    from accounts.services.ledger import Leg, transaction_post

    def one(suffix: str) -> None:
        source, target, amount = _pick(rng, ids)
        transaction_post(
            kind=TransactionKind.INTERNAL_TRANSFER,
            legs=[Leg(source, -amount, DESCRIPTION), Leg(target, amount, DESCRIPTION)],
            idempotency_key=prefix + suffix,
            channel=Channel.WEB,
        )

    return one, lambda: None


def _apply(rows, legs) -> dict[int, tuple[Decimal, Decimal]]:
    """The service's checks and arithmetic on the locked rows."""
    state = {row[0]: row for row in rows}
    out = {}
    for account_id, amount in legs:
        _, balance, available, status, internal_code = state[account_id]
        balance = Decimal(str(balance)).quantize(CENT)
        available = Decimal(str(available)).quantize(CENT)
        if status != "ACTIVA":
            raise RuntimeError("account not active")
        if internal_code is None and amount < 0 and available + amount < 0:
            raise RuntimeError("insufficient funds")
        out[account_id] = (balance + amount, available + amount)
    return out


def _fingerprint(legs) -> str:
    text = "TRANSF_INTERNA|" + ";".join(f"{a}:{amt}:PRINCIPAL" for a, amt in legs) + "|"
    return hashlib.sha256(text.encode()).hexdigest()


def _bare_postgresql(env, ids, rng, prefix):
    """BEGIN; SELECT ... FOR NO KEY UPDATE; INSERT transaction; INSERT 2 entries; UPDATE; COMMIT."""
    import psycopg
    from psycopg.types.json import Jsonb

    p = "%s"
    insert_txn = INSERT_TXN.format(p=p) + " RETURNING id"
    lock = LOCK.format(p=p) + " FOR NO KEY UPDATE"
    insert_entries = INSERT_ENTRIES.format(p=p)
    conn = psycopg.connect(env["DATABASE_URL"])  # not autocommit: the first statement BEGINs
    cur = conn.cursor()
    cur.execute(
        "SELECT 1 FROM information_schema.columns"
        " WHERE table_name = 'accounts_account' AND column_name = 'last_posted_at'"
    )
    stamp = cur.fetchone() is not None
    conn.commit()
    update = UPDATE.format(p=p, extra=LAST_POSTED.format(p=p) if stamp else "")

    def one(suffix: str) -> None:
        source, target, amount = _pick(rng, ids)
        legs = ((source, -amount), (target, amount))
        now = datetime.now(UTC)
        # In the service's order: lock the accounts, then claim the idempotency key.
        cur.execute(lock, tuple(sorted((source, target))))
        new = _apply(cur.fetchall(), legs)
        cur.execute(
            insert_txn,
            ("TRANSF_INTERNA", "WEB", "", "", prefix + suffix, _fingerprint(legs), now, Jsonb({})),
        )
        txn_id = cur.fetchone()[0]
        debit = (txn_id, source, -amount, new[source][0], DESCRIPTION, "PRINCIPAL", now)
        credit = (txn_id, target, amount, new[target][0], DESCRIPTION, "PRINCIPAL", now)
        cur.execute(insert_entries, (*debit, *credit))
        balances = (source, new[source][0], target, new[target][0])
        available = (source, new[source][1], target, new[target][1])
        cur.execute(update, (*balances, *available, *((now,) if stamp else ()), source, target))
        conn.commit()

    return one, conn.close


def _bare_sqlite(env, ids, rng, prefix):
    """The same statements on sqlite3; BEGIN IMMEDIATE takes the write lock (no row locks)."""
    import sqlite3
    from pathlib import Path

    p = "?"
    insert_txn = INSERT_TXN.format(p=p)
    lock = LOCK.format(p=p)
    insert_entries = INSERT_ENTRIES.format(p=p)
    # As the project's settings: timeout 20 s, IMMEDIATE transactions.
    conn = sqlite3.connect(Path(env["VAR_DIR"]) / "db.sqlite3", timeout=20, isolation_level=None)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(accounts_account)")}
    stamp = "last_posted_at" in columns
    update = UPDATE.format(p=p, extra=LAST_POSTED.format(p=p) if stamp else "")

    def one(suffix: str) -> None:
        source, target, amount = _pick(rng, ids)
        legs = ((source, -amount), (target, amount))
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")  # as Django stores it
        conn.execute("BEGIN IMMEDIATE")
        try:
            new = _apply(conn.execute(lock, tuple(sorted((source, target)))).fetchall(), legs)
            cur = conn.execute(
                insert_txn,
                ("TRANSF_INTERNA", "WEB", "", "", prefix + suffix, _fingerprint(legs), now, "{}"),
            )
            txn_id = cur.lastrowid
            debit = (txn_id, source, str(-amount), str(new[source][0]), DESCRIPTION, "PRINCIPAL")
            credit = (txn_id, target, str(amount), str(new[target][0]), DESCRIPTION, "PRINCIPAL")
            conn.execute(insert_entries, (*debit, now, *credit, now))
            balances = (source, str(new[source][0]), target, str(new[target][0]))
            available = (source, str(new[source][1]), target, str(new[target][1]))
            stamped = (now,) if stamp else ()
            conn.execute(update, (*balances, *available, *stamped, source, target))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    return one, conn.close


BARE = {"postgresql": _bare_postgresql, "sqlite": _bare_sqlite}


def _timed(one, prefix: str, seconds: float) -> tuple[int, float]:
    start = time.perf_counter()
    deadline = start + seconds
    done = 0
    while time.perf_counter() < deadline:
        one(f"{prefix}{done}")
        done += 1
    return done, time.perf_counter() - start


def phases_work(env, schedule, barrier, results, seed, make_sides) -> None:
    """One process of an alternating benchmark: ``make_sides(rng)`` (called after Django is
    set up) gives {"bare": (one, close), "service": (one, close)}; both warm up, then each
    phase of ``schedule`` runs its side for its seconds between barriers."""
    os.environ.update(env)
    closers = []
    try:
        import django

        django.setup()
        sides = make_sides(random.Random(seed))
        closers = [close for _, close in sides.values()]
        for one, _ in sides.values():
            for i in range(WARMUP_POSTINGS):
                one(f"w{i}")
        phases = []
        for phase, (side, seconds) in enumerate(schedule):
            barrier.wait(timeout=120)
            phases.append((side, *_timed(sides[side][0], f"p{phase}-", seconds)))
        results.put(("ok", phases))
    except BaseException:
        barrier.abort()
        results.put(("error", traceback.format_exc()))
    finally:
        for close in closers:
            close()


def _worker(env, engine, ids, schedule, barrier, results, seed, tag) -> None:
    def sides(rng):
        return {
            "bare": BARE[engine](env, ids, rng, f"bench-bare-{tag}-{os.getpid()}-"),
            "service": _service(env, ids, rng, f"bench-service-{tag}-{os.getpid()}-"),
        }

    phases_work(env, schedule, barrier, results, seed, sides)


def run(
    *, env: dict, engine: str, ids: list[int], processes: int, seconds: float, rounds: int, tag: str
) -> dict[str, LedgerResult]:
    """``seconds`` per side, split into ``rounds`` alternating phases."""
    return alternating_run(
        worker=_worker,
        label="ledger",
        seed_base=1000,
        env=env,
        engine=engine,
        ids=ids,
        processes=processes,
        seconds=seconds,
        rounds=rounds,
        tag=tag,
    )


def alternating_run(
    *,
    worker,
    label: str,
    seed_base: int,
    env: dict,
    engine: str,
    ids: list[int],
    processes: int,
    seconds: float,
    rounds: int,
    tag: str,
) -> dict[str, LedgerResult]:
    """Runs ``worker`` in ``processes`` processes, bare and service sides alternating, and
    sums what they report (shared by every bench that compares a service with bare SQL)."""
    schedule = [("bare", seconds / rounds), ("service", seconds / rounds)] * rounds
    ctx = multiprocessing.get_context("spawn")  # each process sets itself up from scratch
    barrier = ctx.Barrier(processes)
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=worker,
            args=(env, engine, ids, schedule, barrier, results, seed_base + i, tag),
            name=f"bench-{label}-{i}",
        )
        for i in range(processes)
    ]
    for proc in procs:
        proc.start()
    outcomes = []
    try:
        for _ in procs:
            outcomes.append(results.get(timeout=2 * seconds + 180))
    except queue_module.Empty:
        raise RuntimeError(f"{label}: a worker process did not report back") from None
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.terminate()
                proc.join()
    errors = [o[1] for o in outcomes if o[0] == "error"]
    if errors:
        raise RuntimeError(f"{label} worker failed:\n" + "\n".join(errors))
    per_worker = [o[1] for o in outcomes]  # [worker][phase] = (side, count, elapsed)
    out = {}
    for side in ("bare", "service"):
        phases = [i for i, (s, _) in enumerate(schedule) if s == side]
        counts = [sum(w[i][1] for w in per_worker) for i in phases]
        spans = [max(w[i][2] for w in per_worker) for i in phases]
        out[side] = LedgerResult(
            rate=sum(counts) / sum(spans),
            postings=sum(counts),
            seconds=sum(spans),
            per_process=[
                sum(w[i][1] for i in phases) / sum(w[i][2] for i in phases) for w in per_worker
            ],
            per_phase=[c / s for c, s in zip(counts, spans, strict=True)],
        )
    return out


def check_consistent(ids: list[int]) -> str:
    """Both sides must leave a ledger that still adds up (call with Django set up)."""
    from django.db.models import Sum

    from accounts.models import Account, Entry

    total = Entry.objects.aggregate(s=Sum("amount"))["s"]
    if total != 0:
        raise RuntimeError(f"ledger out of balance after the loops: entries sum to {total}")
    for acc in Account.objects.filter(pk__in=ids):
        entries = acc.entries.aggregate(s=Sum("amount"))["s"]
        if entries != acc.balance or acc.available != acc.balance:
            raise RuntimeError(f"account {acc.pk}: balance {acc.balance} != entries {entries}")
    return f"entries sum to {total}; the {len(ids)} accounts' balances equal their entries"
