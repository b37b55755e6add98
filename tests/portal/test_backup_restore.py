"""The documented backup and restore (scripts/backup.sh, scripts/restore.sh) on a real server:
a backup of the test database restores into a throwaway database that holds the same ledger,
the same migrations and still passes ``ledger_check``; the source is never restored over."""

import os
import shutil
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from accounts.models import Channel, TransactionKind
from accounts.services.ledger import Leg, transaction_post
from tests.factories import AccountFactory, deposit, key

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="necesita PostgreSQL (DATABASE_URL)"
    ),
    # The backup is another session: it sees only what is committed, so no test transaction.
    pytest.mark.django_db(transaction=True),
]


def _url(database: str) -> str:
    settings = connection.settings_dict
    user = quote(settings["USER"] or "", safe="")
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "localhost"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgresql://{user}{password}@{host}{port}/{quote(database, safe='')}"


def _client_bin() -> str:
    """The PostgreSQL client of the server's major version where Debian keeps it (pg_dump
    refuses a newer server), else the one on PATH."""
    major = connection.pg_version // 10000
    versioned = Path(f"/usr/lib/postgresql/{major}/bin")
    if (versioned / "pg_dump").exists():
        return str(versioned)
    found = shutil.which("pg_dump")
    if found:
        return str(Path(found).parent)
    message = "no hay pg_dump (cliente de PostgreSQL)"
    if os.environ.get("CI"):
        pytest.fail(message)  # CI has the server, so it has its client: never skip there
    pytest.skip(message)


@pytest.fixture
def scripts_env(tmp_path):
    env = os.environ | {
        "DATABASE_URL": _url(connection.settings_dict["NAME"]),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "PG_BIN": _client_bin(),
        "VAR_DIR": str(tmp_path / "var"),
    }
    return env


@pytest.fixture
def throwaway_database():
    name = f"restore_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _ledger():
    """Some of everything the restore must bring back: deposits, a back-dated one, a transfer."""
    first, second = AccountFactory(), AccountFactory()
    deposit(first, "1250.75")
    deposit(second, "80.00")
    transaction_post(
        kind=TransactionKind.INTERNAL_TRANSFER,
        legs=[Leg(first.pk, Decimal("-200.25"), "T"), Leg(second.pk, Decimal("200.25"), "T")],
        idempotency_key=key(),
        channel=Channel.WEB,
    )
    return first, second


def _snapshot(database: str) -> dict:
    queries = {
        "balances": "SELECT number, balance, available, last_posted_at FROM accounts_account"
        " ORDER BY number",
        "entries": "SELECT count(*), sum(amount), sum(abs(amount)) FROM accounts_entry",
        "per account": "SELECT account_id, count(*), sum(amount), max(id) FROM accounts_entry"
        " GROUP BY account_id ORDER BY account_id",
        "transactions": "SELECT count(*), max(id) FROM accounts_transaction",
        "migrations": "SELECT id, app, name, applied FROM django_migrations ORDER BY id",
        "members": "SELECT count(*) FROM identity_member",
        "ledger triggers": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname",
    }
    with psycopg.connect(_url(database)) as conn:
        return {label: conn.execute(sql).fetchall() for label, sql in queries.items()}


def _run(command: list, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_a_backup_restores_into_a_fresh_database_with_the_same_ledger(
    scripts_env, throwaway_database, tmp_path
):
    first, second = _ledger()
    source = connection.settings_dict["NAME"]

    backup = _run([str(ROOT / "scripts/backup.sh")], scripts_env)
    assert backup.returncode == 0, backup.stderr
    dump = Path(backup.stdout.strip())
    assert dump.parent == tmp_path / "backups" and dump.name.startswith(f"{source}-")
    assert dump.suffix == ".dump" and dump.stat().st_size > 0
    assert oct(dump.stat().st_mode & 0o777) == "0o600"

    restore = _run([str(ROOT / "scripts/restore.sh"), str(dump), throwaway_database], scripts_env)
    assert restore.returncode == 0, restore.stderr

    original, restored = _snapshot(source), _snapshot(throwaway_database)
    assert restored == original
    numbers = {row[0]: row[1] for row in restored["balances"]}
    assert numbers[first.number] == Decimal("1050.50")
    assert numbers[second.number] == Decimal("280.25")
    assert restored["entries"][0][0] >= 6
    assert "accounts_entry_append_only" in {row[0] for row in restored["ledger triggers"]}

    check = _run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "ledger_check"],
        scripts_env | {"DATABASE_URL": _url(throwaway_database)},
    )
    assert check.returncode == 0, check.stderr
    assert "Libro mayor correcto" in check.stdout

    # The restored ledger still refuses edits: the guards came back with the tables.
    with (
        psycopg.connect(_url(throwaway_database)) as conn,
        pytest.raises(psycopg.errors.CheckViolation),
    ):
        conn.execute("UPDATE accounts_entry SET amount = amount + 1")


def test_restore_refuses_the_source_and_an_existing_database_without_clean(
    scripts_env, throwaway_database
):
    _ledger()
    source = connection.settings_dict["NAME"]
    dump = _run([str(ROOT / "scripts/backup.sh")], scripts_env).stdout.strip()
    before = _snapshot(source)

    over_source = _run([str(ROOT / "scripts/restore.sh"), "--clean", dump, source], scripts_env)
    assert over_source.returncode == 3
    assert "refusing to restore over it" in over_source.stderr

    restore = [str(ROOT / "scripts/restore.sh"), dump, throwaway_database]
    assert _run(restore, scripts_env).returncode == 0
    again = _run(restore, scripts_env)
    assert again.returncode == 3 and "--clean" in again.stderr
    # With --clean the existing database is replaced by what the backup holds.
    with psycopg.connect(_url(throwaway_database), autocommit=True) as conn:
        conn.execute("DROP TABLE identity_member CASCADE")
    clean = _run(
        [str(ROOT / "scripts/restore.sh"), "--clean", dump, throwaway_database], scripts_env
    )
    assert clean.returncode == 0, clean.stderr
    assert _snapshot(throwaway_database) == before
    assert _snapshot(source) == before


def test_a_failed_backup_exits_non_zero_and_leaves_no_file(scripts_env, tmp_path):
    missing = scripts_env | {"DATABASE_URL": _url(f"missing_{uuid.uuid4().hex[:8]}")}
    result = _run([str(ROOT / "scripts/backup.sh")], missing)
    assert result.returncode != 0
    assert "no backup was written" in result.stderr
    assert list((tmp_path / "backups").iterdir()) == []
