"""The benchmark's own database and environment, so a run never touches a developer's data.

PostgreSQL (``DATABASE_URL`` given): the database name gets a ``_bench`` suffix (kept if it already
has one) and that database is dropped and created afresh on every run, then migrated.
SQLite (no ``DATABASE_URL``): a file in a temporary ``VAR_DIR`` that is removed at the end.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PG_SCHEMES = {"postgres", "postgresql", "pgsql"}
# Variables of a developer's shell that would point the bench at shared services or change what
# is measured; REDIS_URL is only used when given as BENCH_REDIS_URL.
DROPPED = ("REDIS_URL", "EMAIL_HOST", "STATIC_ROOT", "SQLITE_TEST_NAME", "BEHIND_PROXY")


@dataclass
class BenchEnv:
    env: dict[str, str]
    engine: str  # "postgresql" or "sqlite"
    var_dir: Path
    database_url: str | None = None  # the bench database (PostgreSQL only)
    sqlite_path: Path | None = None

    @property
    def label(self) -> str:
        if self.engine == "postgresql":
            return f"PostgreSQL {mask(self.database_url or '')}"
        return f"SQLite {self.sqlite_path}"

    def cleanup(self) -> None:
        shutil.rmtree(self.var_dir, ignore_errors=True)


def mask(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


def scratch_database_url(url: str, suffix: str = "_bench") -> str:
    """The throwaway database beside ``url``'s: its name with ``suffix`` (``_bench``, ``_load``)."""
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/")) or "cooperativa"
    if not name.endswith(suffix):
        name = f"{name}{suffix}"
    return urlunsplit(parts._replace(path=f"/{name}"))


def scratch_database_recreate(url: str, suffix: str = "_bench") -> None:
    """Drops and creates a throwaway database (connections to it are ended)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    assert name.endswith(suffix), name  # never drop anything but a scratch database
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare() -> BenchEnv:
    base = {k: v for k, v in os.environ.items() if k not in DROPPED}
    var_dir = Path(tempfile.mkdtemp(prefix="cooperativa-bench-"))
    env = base | {
        "DJANGO_SETTINGS_MODULE": "cooperativa.settings",
        "VAR_DIR": str(var_dir),
        # Fixed for the run: gunicorn workers and this process must sign sessions alike.
        "SECRET_KEY": base.get("SECRET_KEY") or "bench-" + secrets.token_urlsafe(40),
        # DEBUG would also make Django keep every query in memory during the loops.
        "DEBUG": "0",
        "HTTPS": "0",
        "STATIC_MANIFEST": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "PYTHONUNBUFFERED": "1",
    }
    if os.environ.get("BENCH_REDIS_URL"):
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    url = os.environ.get("DATABASE_URL", "").strip()
    if url and urlsplit(url).scheme in PG_SCHEMES:
        bench_url = scratch_database_url(url)
        try:
            scratch_database_recreate(bench_url)
        except Exception:
            shutil.rmtree(var_dir, ignore_errors=True)
            raise
        env["DATABASE_URL"] = bench_url
        bench = BenchEnv(env=env, engine="postgresql", var_dir=var_dir, database_url=bench_url)
    else:
        if url:
            print(f"DATABASE_URL is not PostgreSQL ({mask(url)}): using a temporary SQLite file")
        env.pop("DATABASE_URL", None)
        bench = BenchEnv(
            env=env, engine="sqlite", var_dir=var_dir, sqlite_path=var_dir / "db.sqlite3"
        )
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        bench.cleanup()
        raise RuntimeError(f"migrate failed:\n{result.stdout}\n{result.stderr}")
    return bench
