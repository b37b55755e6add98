"""PostgreSQL restarted under traffic (stopped in "fast" mode, every session ended at once, and
started again a few seconds later): only the requests in flight or sent while it is down
fail; every request sent once it is back succeeds, on the same web and worker processes,
nobody is signed out, and background work queued afterwards is done. Kept connections are
checked before use (CONN_HEALTH_CHECKS; Celery's Django fixup before each task).

The shared PostgreSQL is never touched: the hosts use a cluster of the test's own
(tests/stack.py ``Postgres``) holding a copy of the test's database, taken after the test
wrote its data. What the hosts wrote is read back from that copy.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from decimal import Decimal

import psycopg
import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from tests.benchmarks.processes import children
from tests.faults.journeys import (
    CODE,
    CODE_SUBJECT,
    RECEIPT,
    accounts_of,
    code_in,
    code_mailed,
    interbank_transfer,
    member_with_two_accounts,
    own_transfer,
)
from tests.processes import ON_POSTGRES_AND_REDIS
from tests.stack import ROOT, Browser, Postgres, postgres_installed

pytestmark = [
    *ON_POSTGRES_AND_REDIS,
    pytest.mark.skipif(
        not postgres_installed(), reason="necesita los programas del servidor PostgreSQL"
    ),
]

BEFORE, DOWN, AFTER = 3, 4, 5  # seconds of traffic before, PostgreSQL stopped, traffic after
SETTLED_WITHIN = 30


@pytest.fixture
def cluster():
    server = Postgres()
    yield server
    server.remove()


def _traffic(person: Browser, user, stop: threading.Event, answers: list, errors: list):
    """The member browsing and ordering until ``stop``: (sent at, answered at, answer)."""
    try:
        while not stop.is_set():
            for step in (lambda: [person.get("/")], lambda: own_transfer(person, user)):
                sent = time.monotonic()
                try:
                    for answer in step():
                        answers.append((sent, time.monotonic(), answer))
                except Exception as exc:  # a connection the web host dropped: a failure too
                    errors.append((sent, time.monotonic(), exc))
    finally:
        connections.close_all()


def _wrong(answer) -> bool:
    """Not what a member should see: an error, or a redirect other than to a receipt."""
    return answer.status >= 400 or (answer.status == 302 and not RECEIPT.match(answer.location))


def _query(url: str, sql: str, params=()) -> list:
    with psycopg.connect(url) as session:
        return session.execute(sql, params).fetchall()


def _code(database: str, worker, user) -> str:
    """The latest code the hosts queued for ``user``: in their database's outbox, or, once
    the worker sent it (the row's copy is then erased), in the worker's e-mail files."""
    sql = (
        "SELECT body, recipient FROM identity_notification WHERE user_id = %s AND subject = %s"
        " ORDER BY id DESC LIMIT 1"
    )
    [(body, recipient)] = _query(database, sql, [user.pk, CODE_SUBJECT])
    if CODE.search(body):
        return code_in(body)
    return code_mailed(worker.var_dir / "mail", recipient)


def test_postgres_restarted_under_traffic_fails_only_what_was_in_flight(stack, cluster):
    user = member_with_two_accounts()
    client = Client()
    client.force_login(user)  # the session is copied with the rest
    database = cluster.copy(stack.database, "portal")
    web = stack.web(database=database)
    worker = stack.worker(database=database)
    web_processes = (web.process.pid, sorted(children(web.process.pid)))
    person = Browser(web, {settings.SESSION_COOKIE_NAME: client.cookies["sessionid"].value})

    stop, answers, errors = threading.Event(), [], []
    traffic = threading.Thread(target=_traffic, args=(person, user, stop, answers, errors))
    traffic.start()
    try:
        time.sleep(BEFORE)  # traffic flows
        went_down = time.monotonic()
        cluster.stop(mode="fast")
        time.sleep(DOWN)  # PostgreSQL is down this long
        cluster.start()
        back = time.monotonic()
        time.sleep(AFTER)  # traffic flows again
    finally:
        stop.set()
        traffic.join(timeout=120)

    before = [a for _, done, a in answers if done < went_down]
    after = [a for sent, _, a in answers if sent > back]
    assert before and not [a for a in before if _wrong(a)], stack.logs()
    # Everything sent once PostgreSQL was back succeeded: the pages, the transfers.
    assert len(after) >= 4, errors
    assert [(a.request, a.status, a.location) for a in after if _wrong(a)] == []
    assert [exc for sent, _, exc in errors if sent > back] == []
    # What failed was in flight or sent while PostgreSQL was down (some must have been).
    failed = [(sent, done) for sent, done, a in answers if a.status >= 500]
    failed += [(sent, done) for sent, done, _ in errors]
    assert failed and all(done >= went_down and sent <= back for sent, done in failed)
    # The same processes: nothing was restarted to recover.
    assert (web.process.pid, sorted(children(web.process.pid))) == web_processes
    assert web.running() and worker.running()

    # Still signed in; an operation's background work is done by the same worker.
    assert person.get("/").status == 200
    steps = interbank_transfer(person, user, code_of=lambda user: _code(database, worker, user))
    receipt = RECEIPT.match(steps[-1].location)
    assert receipt, [(a.request, a.status, a.location) for a in steps]
    transfer_id = int(receipt.group(1))

    def settled():
        sql = "SELECT status FROM transfers_transfer WHERE id = %s"
        return True if _query(database, sql, [transfer_id]) == [("ACREDITADA",)] else None

    stack.wait_for("the interbank transfer settled", settled, timeout=SETTLED_WITHIN)

    # What the books say: every receipt shown is a transfer, balances to the cent. A transfer
    # whose answer was lost in the restart may be there without its receipt shown.
    receipts = {int(m.group(1)) for _, _, a in answers if (m := RECEIPT.match(a.location))}
    receipts.add(transfer_id)
    savings, _ = accounts_of(user)
    sql = "SELECT id, amount + fee + vat FROM transfers_transfer WHERE origin_id = %s"
    transfers = dict(_query(database, sql, [savings.pk]))
    assert receipts <= set(transfers)
    assert len(set(transfers) - receipts) <= len(failed)
    sql = "SELECT balance FROM accounts_account WHERE id = %s"
    assert _query(database, sql, [savings.pk]) == [(Decimal("500.00") - sum(transfers.values()),)]
    stack.stop()
    _ledger_clean(database)


def _ledger_clean(database: str) -> None:
    """``manage.py ledger_check`` on the hosts' database (the copy on the test's cluster)."""
    dropped = ("DATABASE", "REDIS", "CELERY")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    check = subprocess.run(
        [sys.executable, "manage.py", "ledger_check"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": database, "LOG_LEVEL": "ERROR"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Libro mayor correcto" in check.stdout
