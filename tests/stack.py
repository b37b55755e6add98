"""The production-like stack run natively, one process per host: gunicorn web hosts, Celery
workers and beat, each with its own working folder (VAR_DIR), sharing only PostgreSQL, Redis
(and, where a test asks, an object store). What docker-compose.yml runs, without Docker.

Used by the tests that need real processes (several hosts, faults injected) and by the load
run (``tests/load``), so nothing here depends on pytest.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

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


def worker(
    name: str, env: dict, root: Path, *, pool: str = "solo", concurrency: int = 1, main="celery"
) -> Host:
    """``main``: the module run as ``python -m`` (celery's, or a test's wrapper around it)."""
    command = [sys.executable, "-m", main, "-A", "cooperativa", "worker", "--pool", pool]
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


@dataclass
class Answer:
    request: str  # "POST /transferencias/…"
    status: int
    location: str
    text: str
    seconds: float


class Browser:
    """A person's browser on one web host: its cookies (the session, the CSRF cookie) and
    forms posted with the CSRF token, as a page's form carries it."""

    def __init__(self, web: Web, cookies: dict):
        self.web = web
        self.cookies = cookies

    def get(self, path: str, *, timeout: float = 60) -> Answer:
        return self._send("GET", path, timeout=timeout)

    def post(self, path: str, data: dict, *, timeout: float = 60) -> Answer:
        if "csrftoken" not in self.cookies:
            # A page with a form sets the CSRF cookie: the form's own, or the layout's
            # sign-out form on the start page.
            self.get(path, timeout=timeout)
            if "csrftoken" not in self.cookies:
                self.get("/", timeout=timeout)
        body = urlencode({"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self._send("POST", path, body=body.encode(), headers=headers, timeout=timeout)

    def _send(self, method: str, path: str, *, timeout: float, **options) -> Answer:
        started = time.monotonic()
        response, content = self.web.request(
            method, path, cookies=self.cookies, timeout=timeout, **options
        )
        return Answer(
            request=f"{method} {path}",
            status=response.status,
            location=response.headers.get("Location", ""),
            text=content.decode(errors="replace"),
            seconds=time.monotonic() - started,
        )


class Redis(Host):
    """A Redis of the test's own on a free port, keeping nothing on disk: stopping it (its
    queues and cache are lost, as with a restarted Redis without persistence), hanging it
    (``kill(signal.SIGSTOP)``, then ``SIGCONT``) or starting it again harms nothing else."""

    def __init__(self, root: Path, name: str = "redis"):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port)]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        command += ["--dir", str(root / name)]
        super().__init__(name, command, dict(os.environ), root)

    def start(self) -> None:
        super().start()
        self.wait_ready()

    def answers(self) -> bool | None:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return True if conn.recv(16).startswith(b"+PONG") else None
        except OSError:
            return None

    def wait_ready(self) -> None:
        wait_for(f"{self.name} PING", self.answers, [self], timeout=20)


def publish(broker_url: str, task: str, *args) -> None:
    """Sends ``task`` by name to the workers on ``broker_url``, as the portal's ``enqueue``
    does, whatever the calling process's own Celery settings (a test's run tasks inline)."""
    from celery import Celery

    sender = Celery("sender", broker=broker_url, set_as_current=False)
    try:
        sender.send_task(task, args=args)
    finally:
        sender.close()


def _pg_bin() -> Path | None:
    """The PostgreSQL server programs: PG_BIN, the newest under /usr/lib/postgresql (Debian),
    or wherever pg_ctl is on the PATH; None without them."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    on_path = shutil.which("pg_ctl")
    return found[-1].parent if found else Path(on_path).parent if on_path else None


def postgres_installed() -> bool:
    """Whether this machine can run a PostgreSQL cluster of a test's own (``Postgres``)."""
    programs = _pg_bin()
    return (
        programs is not None
        and all((programs / name).exists() for name in ("initdb", "pg_ctl"))
        and all(shutil.which(name) for name in ("createdb", "pg_dump", "pg_restore"))
    )


class Postgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary folder, a free port, no
    fsync), so a test can stop and restart PostgreSQL without touching the shared one. Run as
    root, the cluster belongs to the ``postgres`` user (the server refuses to run as root),
    in a folder of its own under the system's temporary folder (a test's is root's only).
    ``remove()`` stops it and deletes the folder."""

    def __init__(self):
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="cooperativa-postgres-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as_owner:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()

    def _run(self, program: str, *args: str) -> None:
        command = [*self._as_owner, str(_pg_bin() / program), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{program}: {result.stdout}{result.stderr}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """``fast``: every session is ended at once, as a restart or a failover does."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def copy(self, source_url: str, database: str) -> str:
        """A new database here holding what ``source_url``'s holds now (schema and rows);
        returns its URL."""
        self._client(
            "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", database
        )
        dump = subprocess.Popen(
            ["pg_dump", "--format=custom", "--no-owner", "--dbname", source_url],
            stdout=subprocess.PIPE,
        )
        restore = subprocess.run(
            ["pg_restore", "--no-owner", "--dbname", self.url(database)],
            stdin=dump.stdout,
            capture_output=True,
            text=True,
            timeout=120,
        )
        dump.stdout.close()
        assert dump.wait(timeout=120) == 0 and restore.returncode == 0, restore.stderr
        return self.url(database)

    def _client(self, program: str, *args: str) -> None:
        result = subprocess.run([program, *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"{program}: {result.stdout}{result.stderr}"

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text() if self.log.exists() else ""
        return "--- postgres ---\n" + "\n".join(text.splitlines()[-lines:])

    def remove(self) -> None:
        with contextlib.suppress(AssertionError):  # already stopped
            self.stop(mode="immediate")
        shutil.rmtree(self.root, ignore_errors=True)
