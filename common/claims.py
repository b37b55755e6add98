"""A claim on a piece of background work that ends with the process holding it.

A worker killed mid-task (SIGKILL, out of memory, its host lost) releases nothing itself, and
its task message stays unacknowledged in Redis until the visibility timeout (a quarter of an
hour). Its database session, though, ends as soon as its connection closes. On PostgreSQL
``work_claimed`` is a session advisory lock: held while the block runs, released when the
block ends or when the session does. A sweep that finds unfinished work can then tell "a live
worker is at it" (the claim is held: leave it) from "its worker died" (free: resume it now),
with no heartbeat to write and no staleness to guess. (It needs the worker's own session: a
pooler in transaction mode between workers and PostgreSQL would keep a dead worker's lock on
a pooled connection; workers connect directly, or through a pooler in session mode.)

On SQLite (the embedded run: one machine, every writer serialised) every claim is granted.
The work must be safe to run twice anyway (rows claimed with a conditional update or SKIP
LOCKED, postings under idempotency keys): a claim saves repeated work, it does not make
money right.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

_INT4 = 2**31


def _keys(kind: str, key: int) -> tuple[int, int]:
    """PostgreSQL's two-integer advisory key: the kind of work, then the id (ids beyond int4
    wrap around: two ids sharing a key only wait for each other's next sweep)."""
    return zlib.crc32(kind.encode()) - _INT4, key % _INT4


@contextmanager
def work_claimed(kind: str, key: int) -> Iterator[bool]:
    """Claims ``kind`` ``key`` (e.g. ``"payroll.rows_pay"``, an order id) for this block;
    yields whether this process has it. False means another live process is doing it."""
    if connection.vendor != "postgresql":
        yield True
        return
    keys = _keys(kind, key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", keys)
        claimed = cursor.fetchone()[0]
    try:
        yield claimed
    finally:
        if claimed:
            _release(keys)


def _release(keys: tuple[int, int]) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", keys)
    except DatabaseError:
        # The connection broke (a database restart): the session, and the lock, are gone.
        logger.warning("No se pudo liberar el reclamo %s: la sesión ya terminó", keys)
