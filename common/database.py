"""A cursor for the few statements every posting runs.

Django binds parameters on the client (psycopg's ``ClientCursor``): every execution sends the
statement as text, PostgreSQL parses and plans it again, and psycopg splits it for its
placeholders again once it has more than 50 of them. For the posting's statements — wide CTEs
that lock, insert and update in one round trip — that was most of their cost.
``prepared_cursor`` numbers a statement's ``%s`` placeholders once per text (``$1, $2 …``,
cached here) and binds on the server, so from the ``prepare_threshold``-th run on a connection
(settings: ``DB_PREPARE_THRESHOLD``) PostgreSQL only executes it. Every other query keeps
Django's default cursor.
"""

from __future__ import annotations

import functools

from django.db import connection as default_connection


@functools.lru_cache(maxsize=256)
def numbered(sql: str) -> str:
    """``sql`` with its ``%s`` placeholders as PostgreSQL's ``$1, $2 …``. Only plain ``%s``
    placeholders: a statement with any other ``%`` is refused, not guessed at."""
    parts = sql.split("%s")
    if any("%" in part for part in parts):
        raise ValueError("prepared_cursor takes statements whose only % are %s placeholders")
    return "".join(f"{part}${n}" for n, part in enumerate(parts[:-1], 1)) + parts[-1]


class _Numbered:
    """Django's cursor wrapper (errors wrapped, queries logged), statements numbered."""

    def __init__(self, cursor):
        self._cursor = cursor

    def execute(self, sql: str, params=()):
        return self._cursor.execute(numbered(sql), list(params))

    def __getattr__(self, name):
        return getattr(self._cursor, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._cursor.close()


def prepared_cursor(connection=None):
    """A cursor whose statements PostgreSQL prepares once per connection (use ``%s``
    placeholders as anywhere in Django); the ordinary cursor on any other database."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    raw = connection.connection
    default = raw.cursor_factory
    # Django's own create_cursor (time zone loaders, wrappers) with the raw factory.
    raw.cursor_factory = _raw_cursor_class()
    try:
        return _Numbered(connection.cursor())
    finally:
        raw.cursor_factory = default


@functools.cache
def _raw_cursor_class():
    import psycopg
    from django.db.backends.postgresql.base import CursorMixin

    class RawCursor(CursorMixin, psycopg.RawCursor):
        pass

    return RawCursor
