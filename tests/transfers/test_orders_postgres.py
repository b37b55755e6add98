"""What only PostgreSQL can show: transfers ordered at the same moment, under real row locks.

Each test forks its workers (as ``tests/accounts/test_ledger_postgres.py`` does), and another
database session holds the row the transfers queue on until every worker is waiting for a lock:
so they really overlap, instead of merely being started together.
"""

import multiprocessing
import time
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connection, connections

from accounts.models import Account, Entry
from accounts.services.integrity import ledger_problems
from tests.factories import AccountFactory, UserFactory, deposit
from transfers.models import CooperativeLimit, LimitCategory, MemberLimit, Transfer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="necesita PostgreSQL (DATABASE_URL)"
    ),
]

WORKERS = 8
AMOUNT = Decimal("30.00")


def _limit(member, daily):
    return MemberLimit.objects.create(
        member=member,
        category=LimitCategory.MEMBER,
        daily=Decimal(daily),
        weekly=Decimal("100000"),
        monthly=Decimal("100000"),
    )


def _funded(owner, amount="100.00"):
    account = AccountFactory(owner=owner)
    deposit(account, amount)
    return account


def _transfer(user_id, origin_id, destination_id, key, start, results):
    """One member transfer, reported as ("ok", transfer id), ("refused", message) or ("error",
    repr) for anything else."""
    connections.close_all()  # a forked child must not share the parent's socket
    from identity.models import User
    from transfers.services.orders import Order, TransferError, member_transfer

    try:
        user = User.objects.select_related("customer").get(pk=user_id)
        order = Order(
            user=user,
            member=user.customer,
            origin=Account.objects.get(pk=origin_id),
            amount=AMOUNT,
            memo="Concurrente",
            idempotency_key=key,
            channel="WEB",
        )
        destination = Account.objects.select_related("owner").get(pk=destination_id)
        start.wait(timeout=30)
        transfer = member_transfer(order=order, destination=destination)
        results.put(("ok", transfer.pk))
    except TransferError as exc:
        results.put(("refused", exc.message))
    except Exception as exc:  # any other error reaching a caller fails the test
        results.put(("error", repr(exc)))
    finally:
        connections.close_all()


def _waiting() -> int:
    """Sessions of this database waiting for a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT l.pid) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
            " WHERE NOT l.granted AND a.datname = current_database()"
        )
        return cursor.fetchone()[0]


@contextmanager
def _held(sql, params, *, end="COMMIT"):
    """Another session runs ``sql`` (which takes a row lock) in an open transaction, and ends it
    with ``end`` when the block exits."""
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(sql, params)
            yield
            cursor.execute(end)
    finally:
        other.close()


def _run_together(jobs, hold_sql, hold_params, *, end="COMMIT"):
    """Fork one worker per job; hold the lock until all of them wait on a lock, then let go.
    Returns (outcomes, how many were waiting when the lock was released)."""
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    start = ctx.Barrier(len(jobs) + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=_transfer, args=(*job, start, results)) for job in jobs]
    for p in procs:
        p.start()
    with _held(hold_sql, hold_params, end=end):
        start.wait(timeout=30)
        deadline = time.monotonic() + 30
        waiting = _waiting()
        while waiting < len(jobs) and time.monotonic() < deadline:
            if any(p.exitcode is not None for p in procs):  # one gave up before any lock
                break
            time.sleep(0.02)
            waiting = _waiting()
    outcomes = [results.get(timeout=60) for _ in jobs]
    for p in procs:
        p.join(timeout=60)
    assert all(p.exitcode == 0 for p in procs)
    assert [o for o in outcomes if o[0] == "error"] == []
    return outcomes, waiting


def test_one_origin_pays_only_what_its_balance_allows():
    """(a) Eight transfers of $30 from one account holding $100: three go through, the other
    five are refused for funds, and the balance never goes below zero."""
    user = UserFactory()
    _limit(user.customer, "10000")  # the limit is not what stops them here
    origin = _funded(user.customer, "100.00")
    destinations = [_funded(UserFactory().customer, "1.00") for _ in range(WORKERS)]
    jobs = [(user.pk, origin.pk, d.pk, f"conc-funds-{n}") for n, d in enumerate(destinations)]

    # The origin's row is held: the first worker waits for it, the others for the limit row.
    outcomes, waiting = _run_together(
        jobs, "SELECT 1 FROM accounts_account WHERE id = %s FOR UPDATE", [origin.pk]
    )

    assert waiting == WORKERS
    ok = [o for o in outcomes if o[0] == "ok"]
    refused = [o[1] for o in outcomes if o[0] == "refused"]
    assert len(ok) == 3 and len(refused) == WORKERS - 3
    assert all(message.startswith("Fondos insuficientes") for message in refused), refused
    origin.refresh_from_db()
    debit = Decimal("100.00") - origin.balance
    assert debit == len(ok) * AMOUNT and origin.balance == origin.available == Decimal("10.00")
    assert not Entry.objects.filter(account=origin, balance_after__lt=0).exists()
    credited = sum(Account.objects.get(pk=d.pk).balance - Decimal("1.00") for d in destinations)
    assert credited == debit
    assert Transfer.objects.filter(member=user.customer).count() == len(ok)
    assert sorted(Transfer.objects.values_list("pk", flat=True)) == sorted(o[1] for o in ok)
    assert ledger_problems() == []


def test_one_member_never_passes_the_daily_limit_from_several_accounts():
    """(b) Eight transfers of $30 against one daily limit of $100, each from its own funded
    account (so no account lock orders them: only the limit row does): three go through."""
    user = UserFactory()
    limit = _limit(user.customer, "100.00")
    origins = [_funded(user.customer, "100.00") for _ in range(WORKERS)]
    destinations = [_funded(UserFactory().customer, "1.00") for _ in range(WORKERS)]
    jobs = [
        (user.pk, o.pk, d.pk, f"conc-limit-{n}")
        for n, (o, d) in enumerate(zip(origins, destinations, strict=True))
    ]

    outcomes, waiting = _run_together(
        jobs, "SELECT 1 FROM transfers_memberlimit WHERE id = %s FOR UPDATE", [limit.pk]
    )

    assert waiting == WORKERS
    ok = [o for o in outcomes if o[0] == "ok"]
    refused = [o[1] for o in outcomes if o[0] == "refused"]
    assert len(ok) == 3 and len(refused) == WORKERS - 3
    assert all("cupo diario de $ 100.00" in message for message in refused), refused
    sent = Transfer.objects.filter(member=user.customer).values_list("amount", flat=True)
    assert len(sent) == 3 and sum(sent) == Decimal("90.00") <= limit.daily
    debited = sum(Decimal("100.00") - Account.objects.get(pk=o.pk).balance for o in origins)
    assert debited == Decimal("90.00")
    assert ledger_problems() == []


def test_the_cooperative_limit_holds_while_the_member_limit_row_is_created():
    """(b') The member has no limit row yet (the cooperative's maximums apply): the transfers
    race to create it, and then queue on it just the same."""
    CooperativeLimit.objects.filter(category=LimitCategory.MEMBER).update(daily=Decimal("100"))
    user = UserFactory()
    origins = [_funded(user.customer, "100.00") for _ in range(WORKERS)]
    destinations = [_funded(UserFactory().customer, "1.00") for _ in range(WORKERS)]
    jobs = [
        (user.pk, o.pk, d.pk, f"conc-new-limit-{n}")
        for n, (o, d) in enumerate(zip(origins, destinations, strict=True))
    ]

    # Another session inserts the row and rolls back once every worker waits on the unique
    # index: then one of them creates it for real and the others find it.
    outcomes, waiting = _run_together(
        jobs,
        "INSERT INTO transfers_memberlimit (member_id, category, daily, weekly, monthly,"
        " updated_at) VALUES (%s, %s, NULL, NULL, NULL, now())",
        [user.customer.pk, LimitCategory.MEMBER],
        end="ROLLBACK",
    )

    assert waiting == WORKERS
    ok = [o for o in outcomes if o[0] == "ok"]
    refused = [o[1] for o in outcomes if o[0] == "refused"]
    assert len(ok) == 3, outcomes
    assert all("cupo diario de $ 100.00" in message for message in refused), refused
    created = MemberLimit.objects.get(member=user.customer, category=LimitCategory.MEMBER)
    assert created.daily is None  # only the lock: the cooperative's $100 applied
    assert sum(Transfer.objects.filter(member=user.customer).values_list("amount", flat=True)) == (
        Decimal("90.00")
    )
    assert ledger_problems() == []


@pytest.mark.parametrize(
    "daily",
    [
        "1000.00",
        "50.00",
    ],
    ids=["limit-to-spare", "limit-used-up-by-the-first"],
)
def test_a_key_repeated_at_the_same_moment_returns_the_first_transfer(daily):
    """A double submission: eight requests with one idempotency key. One transfer, one debit,
    and every request answered with it, whether or not the limit has room for a second one."""
    user = UserFactory()
    limit = _limit(user.customer, daily)
    origin = _funded(user.customer, "100.00")
    destination = _funded(UserFactory().customer, "1.00")
    jobs = [(user.pk, origin.pk, destination.pk, "conc-same-key") for _ in range(WORKERS)]

    outcomes, waiting = _run_together(
        jobs, "SELECT 1 FROM transfers_memberlimit WHERE id = %s FOR UPDATE", [limit.pk]
    )

    assert waiting == WORKERS
    assert Transfer.objects.count() == 1
    assert Account.objects.get(pk=origin.pk).balance == Decimal("70.00")
    assert outcomes == [("ok", Transfer.objects.get().pk)] * WORKERS
    assert ledger_problems() == []


def test_transfers_ordered_together_still_ask_for_the_funds_declaration(settings):
    """Threshold $100: of eight $30 transfers without a declaration, only three fit."""
    settings.FUNDS_DECLARATION_THRESHOLD = Decimal("100")
    user = UserFactory()
    limit = _limit(user.customer, "10000")
    origin = _funded(user.customer, "1000.00")
    destinations = [_funded(UserFactory().customer, "1.00") for _ in range(WORKERS)]
    jobs = [(user.pk, origin.pk, d.pk, f"conc-declare-{n}") for n, d in enumerate(destinations)]

    outcomes, waiting = _run_together(
        jobs, "SELECT 1 FROM transfers_memberlimit WHERE id = %s FOR UPDATE", [limit.pk]
    )

    assert waiting == WORKERS
    refused = [o[1] for o in outcomes if o[0] == "refused"]
    assert sum(o[0] == "ok" for o in outcomes) == 3, outcomes
    assert all("origen y el destino de los fondos" in message for message in refused), refused
    assert ledger_problems() == []
