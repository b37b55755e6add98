"""What a test of real processes (tests/stack.py) is marked with: PostgreSQL and Redis, as in
CI's second pass (skipped on SQLite), and committed data, since the other processes read what
the test wrote."""

import os

import pytest
from django.db import connection

ON_POSTGRES_AND_REDIS = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"),
        reason="necesita PostgreSQL y Redis (DATABASE_URL, REDIS_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]
