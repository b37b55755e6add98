"""The production-like stack run natively, one process per host: gunicorn web hosts, Celery
workers and beat, each with its own working folder (VAR_DIR), sharing only PostgreSQL, Redis
(and, where a test asks, an object store). What docker-compose.yml runs, without Docker.

Used by the tests that need real processes (several hosts, faults injected) and by the load
run (``tests/load``), so nothing here depends on pytest.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
WAIT = 90  # seconds for a process to start or a task to finish, generous for a loaded CI box


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(db: dict) -> str:
    """A URL for the processes from a Django DATABASES entry (the test's own database)."""
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def environment(*, database: str, redis: str, secret_key: str, **extra: str) -> dict:
    """The environment of a production run (DEBUG off) on plain HTTP on 127.0.0.1. Whatever the
    calling shell has for the database, Redis, Celery, storage or keys is dropped first, so a
    process never reaches a service the caller did not name."""
    dropped = ("DATABASE", "REDIS", "CELERY", "STORAGE_", "AWS_", "VAR_DIR", "SECRET_KEY")
    base = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "cooperativa.settings"),
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        # Sessions carry a hash keyed by SECRET_KEY: whoever signs people in for the hosts must
        # share it.
        "SECRET_KEY": secret_key,
        "DEBUG": "0",
        "HTTPS": "0",
        "STATIC_MANIFEST": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


class Host:
    """One process of the stack, with its own VAR_DIR and its log kept for a failure's message."""

    def __init__(self, name: str, command: list[str], env: dict, root: Path):
        self.name = name
        self.command = command
        self.env = env
        self.var_dir = root / name
        self.var_dir.mkdir(exist_ok=True)
        self.log = root / f"{name}.log"
        self.start()

    def start(self) -> None:
        """Start the process (again, after a kill: same command, same folder, log appended)."""
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env={**self.env, "VAR_DIR": str(self.var_dir)},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def running(self) -> bool:
        return self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group: a gunicorn master or a Celery worker with its
        children dies as a host would."""
        if self.running():
            os.killpg(self.process.pid, sig)
            if sig in (signal.SIGKILL, signal.SIGTERM):
                self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text() if self.log.exists() else ""
        return f"--- {self.name} ---\n" + "\n".join(text.splitlines()[-lines:])


class Web(Host):
    """gunicorn with the repository's gunicorn.conf.py (worker recycling, timeouts)."""

    def __init__(self, name: str, env: dict, root: Path, *, workers: int = 1):
        self.port = free_port()
        command = [sys.executable, "-m", "gunicorn", "cooperativa.wsgi:application"]
        command += ["--config", str(ROOT / "gunicorn.conf.py")]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]
        # No access log: the tests read the hosts' logs for errors, not for every request.
        super().__init__(name, command, {**env, "GUNICORN_ACCESS_LOG": ""}, root)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, *, cookies: dict, body=b"", headers=None, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        cookie = "; ".join(f"{key}={value}" for key, value in cookies.items())
        conn.request(method, path, body=body, headers={"Cookie": cookie, **(headers or {})})
        response = conn.getresponse()
        content = response.read()
        conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.update({key: morsel.value for key, morsel in SimpleCookie(header).items()})
        return response, content

    def healthy(self) -> bool | None:
        try:
            response, _ = self.request("GET", "/healthz", cookies={}, timeout=5)
        except OSError:
            return None
        return True if response.status == 200 else None


def worker(name: str, env: dict, root: Path, *, pool: str = "solo", concurrency: int = 1) -> Host:
    command = [sys.executable, "-m", "celery", "-A", "cooperativa", "worker", "--pool", pool]
    command += ["--concurrency", str(concurrency), "--without-gossip", "--without-mingle"]
    command += ["--loglevel", "WARNING", "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h"]
    return Host(name, command, env, root)


def beat(env: dict, root: Path) -> Host:
    # The schedule lives in the database (CELERY_BEAT_SCHEDULER); no pid file, no local state.
    command = [sys.executable, "-m", "celery", "-A", "cooperativa", "beat", "--loglevel", "WARNING"]
    command += ["--pidfile", ""]
    return Host("beat", command, env, root)


def wait_for(what: str, check, hosts: list[Host], timeout: float = WAIT):
    """Poll ``check`` until it returns something other than None; fail early if a host died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := check()) is not None:
            return value
        dead = [host.name for host in hosts if not host.running()]
        assert not dead, f"{dead} stopped\n" + "\n".join(host.tail() for host in hosts)
        time.sleep(0.3)
    raise AssertionError(
        f"{what}: nothing after {timeout} s\n" + "\n".join(host.tail() for host in hosts)
    )
