"""A claim on background work is refused while another live session holds it, and free again
the moment that session ends (a killed worker's connection closes); SQLite grants every claim."""

import time

import psycopg
import pytest
from django.db import connection

from common.claims import _keys, work_claimed
from tests.stack import database_url


@pytest.mark.django_db
def test_a_claim_is_held_for_its_block_only():
    with work_claimed("tests.work", 7) as first:
        assert first is True
    with work_claimed("tests.work", 7) as again:
        assert again is True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="necesita PostgreSQL")
def test_another_sessions_claim_is_refused_until_that_session_ends():
    other = psycopg.connect(database_url(connection.settings_dict), autocommit=True)
    other.execute("SELECT pg_advisory_lock(%s, %s)", _keys("tests.work", 7))
    try:
        with work_claimed("tests.work", 7) as claimed:
            assert claimed is False  # a live worker has it
        with work_claimed("tests.work", 8) as claimed:
            assert claimed is True  # another order is free
    finally:
        pid = other.info.backend_pid
        other.close()  # the worker dies: its session, and its lock, end
    _wait_until_ended(pid)
    with work_claimed("tests.work", 7) as claimed:
        assert claimed is True


def _wait_until_ended(pid: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"the session {pid} did not end")
