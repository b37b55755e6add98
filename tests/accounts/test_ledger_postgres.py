"""What only PostgreSQL can show: row locks under real concurrency and the deferred trigger."""

import multiprocessing
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction

from accounts.models import Account, Channel, Entry, InternalAccount, TransactionKind
from accounts.services.ledger import InsufficientFunds, Leg, internal_account_id, transaction_post
from tests.factories import AccountFactory, deposit

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="necesita PostgreSQL (DATABASE_URL)"
    ),
]

WORKERS = 4
TRANSFERS_PER_WORKER = 60


def _worker(account_ids, seed, results):
    connections.close_all()  # a forked child must not share the parent's socket
    rng = random.Random(seed)
    done = refused = errors = 0
    for n in range(TRANSFERS_PER_WORKER):
        source, target = rng.sample(account_ids, 2)
        amount = Decimal(rng.randint(1, 4000)) / 100
        try:
            transaction_post(
                kind=TransactionKind.INTERNAL_TRANSFER,
                legs=[Leg(source, -amount, "T"), Leg(target, amount, "T")],
                idempotency_key=f"conc-{seed}-{n}",
                channel=Channel.WEB,
            )
            done += 1
        except InsufficientFunds:
            refused += 1
        except Exception as exc:  # any other error reaching a caller fails the test
            errors += 1
            results.put(("error", repr(exc)))
    connections.close_all()
    results.put(("done", done, refused, errors))


@pytest.mark.django_db(transaction=True)
def test_concurrent_processes_never_break_the_ledger(capsys):
    accounts = [AccountFactory() for _ in range(4)]
    for account in accounts:
        deposit(account, "50.00")
    ids = [a.pk for a in accounts]
    connections.close_all()

    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(ids, seed, results)) for seed in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    messages = [results.get(timeout=5) for _ in range(WORKERS)]
    errors = [m for m in messages if m[0] == "error"]
    while not results.empty():
        errors.append(results.get())

    assert all(p.exitcode == 0 for p in procs)
    assert errors == [], errors
    summaries = [m for m in messages if m[0] == "done"]
    assert sum(m[1] for m in summaries) > 0  # money really moved
    balances = Account.objects.filter(pk__in=ids)
    assert sum(a.balance for a in balances) == Decimal("200.00")
    assert all(a.balance >= 0 for a in balances)
    call_command("ledger_check")
    assert "correcto" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_the_database_rejects_an_unbalanced_transaction_at_commit():
    account = AccountFactory()
    txn = deposit(account, "10.00")
    cash = internal_account_id(InternalAccount.CASH)
    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
        Entry.objects.bulk_create(
            [
                Entry(
                    transaction=txn,
                    account_id=cash,
                    amount=Decimal("1.00"),
                    balance_after=0,
                    description="X",
                    posted_at=txn.posted_at,
                )
            ]
        )
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS accounts_entry_balanced IMMEDIATE")
    assert Entry.objects.filter(transaction=txn).count() == 2


@pytest.mark.django_db(transaction=True)
def test_entries_cannot_be_deleted_in_the_database():
    account = AccountFactory()
    deposit(account, "10.00")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute("DELETE FROM accounts_entry WHERE account_id = %s", [account.pk])
    assert Account.objects.get(pk=account.pk).balance == Decimal("10.00")


@pytest.mark.django_db
def test_postings_are_prepared_once_per_connection_and_stay_exact(settings):
    """From the threshold-th posting on, PostgreSQL runs the posting's statements prepared
    (common.database.prepared_cursor); the balances are the same as ever."""
    source, target = AccountFactory(), AccountFactory()
    deposit(source, "10.00")
    runs = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"] + 2
    for n in range(runs):
        transaction_post(
            kind=TransactionKind.INTERNAL_TRANSFER,
            legs=[Leg(source.pk, Decimal("-0.25"), "T"), Leg(target.pk, Decimal("0.25"), "T")],
            idempotency_key=f"prepared-{n}",
            channel=Channel.WEB,
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("FROM accounts_account" in s and "FOR NO KEY UPDATE" in s for s in prepared)
    assert any("INSERT INTO accounts_entry" in s for s in prepared)
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.balance == Decimal("10.00") - Decimal("0.25") * runs
    assert target.balance == Decimal("0.25") * runs
    assert Entry.objects.filter(account=target).count() == runs
