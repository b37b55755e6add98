"""The stack the fault tests break, and what each of them checks at its end.

A test starts the processes it needs (tests/stack.py: gunicorn web hosts, Celery workers) on
the test's own database and on a Redis of its own, so stopping or hanging that Redis harms
nothing else. Everything is stopped before pytest-django empties the database, and the test
ends by asking ``ledger_check`` whether the books still balance.
"""

from __future__ import annotations

import io
import signal
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from tests.stack import WAIT, Browser, Host, Redis, Web, database_url, environment, wait_for, worker


class Stack:
    def __init__(self, root: Path):
        self.root = root
        self.database = database_url(connection.settings_dict)
        self.redis = Redis(root)
        self.hosts: list[Host] = [self.redis]

    def environment(self, *, database: str = "", **extra: str) -> dict:
        """The hosts' environment: the test's database unless ``database`` names another."""
        return environment(
            database=database or self.database,
            redis=self.redis.url,
            secret_key=settings.SECRET_KEY,
            **extra,
        )

    def web(self, name: str = "web", *, workers: int = 3, **extra: str) -> Web:
        """A gunicorn host, once it answers /healthz."""
        host = Web(name, self.environment(**extra), self.root, workers=workers)
        self.hosts.append(host)
        self.wait_for(f"{name} /healthz", host.healthy)
        return host

    def worker(self, name: str = "worker", *, any_day: bool = False, **extra: str) -> Host:
        """A Celery worker (one process, the solo pool). ``any_day``: every day is a business
        day for it (tests/faults/any_day_worker.py), so settlement runs on a weekend too."""
        main = "tests.faults.any_day_worker" if any_day else "celery"
        host = worker(name, self.environment(**extra), self.root, main=main)
        self.hosts.append(host)
        return host

    def wait_for(self, what: str, check, timeout: float = WAIT):
        """``tests.stack.wait_for`` over the hosts the test has not stopped or killed itself:
        one that exits on its own (an error, a crash) fails the wait at once."""
        stopped = (0, -signal.SIGKILL, -signal.SIGTERM)
        hosts = [h for h in self.hosts if h.running() or h.process.returncode not in stopped]
        return wait_for(what, check, hosts, timeout)

    def logs(self) -> str:
        return "\n".join(host.tail() for host in self.hosts)

    def stop(self) -> None:
        for host in reversed(self.hosts):
            host.kill(signal.SIGCONT)  # a hung host must hear the TERM
            host.stop()


@pytest.fixture
def stack(transactional_db, tmp_path):
    """Torn down before ``transactional_db`` empties the tables the hosts write to."""
    running = Stack(tmp_path)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def signed_in():
    """``signed_in(user, web)``: that person's signed-in browser on ``web`` (the session is in
    the shared database, keyed with the shared SECRET_KEY)."""

    def browser_of(user, web: Web) -> Browser:
        client = Client()
        client.force_login(user)
        return Browser(web, {settings.SESSION_COOKIE_NAME: client.cookies["sessionid"].value})

    return browser_of


@pytest.fixture
def ledger_clean():
    """``ledger_clean()`` runs ``manage.py ledger_check`` on the test's database and fails
    with its findings."""

    def check() -> None:
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("ledger_check", stdout=out, stderr=err)
        except CommandError as exc:
            pytest.fail(f"ledger_check: {exc}\n{err.getvalue()}")
        assert "Libro mayor correcto" in out.getvalue()

    return check


class RowLock:
    """Another database session holding one row's lock (SELECT … FOR UPDATE), as a slow
    transaction would: a task that reaches that row waits there, halfway through its work,
    until ``release``."""

    def __init__(self, model, pk: int):
        self.session = psycopg.connect(database_url(connection.settings_dict))
        table = connection.ops.quote_name(model._meta.db_table)
        self.session.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", [pk])  # noqa: S608

    def waiting(self) -> list[int] | None:
        """The sessions waiting for this lock (their backend ids), or None while there are none."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                [self.session.info.backend_pid],
            )
            pids = [row[0] for row in cursor.fetchall()]
        return pids or None

    def release(self) -> None:
        self.session.rollback()
        self.session.close()

    @staticmethod
    def ended(pids: list[int]):
        """A check for ``wait_for``: True once none of these database sessions is left (a
        killed worker's session ends when it next hears from its closed connection)."""

        def check() -> bool | None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
                return True if cursor.fetchone()[0] == 0 else None

        return check


@pytest.fixture
def row_lock():
    """``row_lock(Model, pk)``: a ``RowLock``, released at the end of the test if still held."""
    held = []

    def hold(model, pk: int) -> RowLock:
        held.append(RowLock(model, pk))
        return held[-1]

    yield hold
    for lock in held:
        if not lock.session.closed:
            lock.release()
