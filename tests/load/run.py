"""``make load``: the portal under a mixed load, on the production-like stack run natively.

    .venv/bin/python -m tests.load.run          # from the repository root

1. A fresh PostgreSQL database ``<name>_load`` (``DATABASE_URL``'s server and name, default
   ``cooperativa``), migrated, with the people of ``dataset.py``; Redis database ``LOAD_REDIS_DB``
   (default 13) of ``REDIS_URL``'s server, emptied first.
2. The stack of docker-compose.yml, without Docker (``tests/stack.py``): gunicorn with the
   repository's gunicorn.conf.py and 3 workers, one Celery worker (prefork, 2 processes, as
   compose runs it) and beat; DEBUG=0, plain HTTP on 127.0.0.1, e-mail into the worker's folder.
3. Phase 1: ``LOAD_USERS`` (50) people with think time (1–5 s between actions): members and
   ``LOAD_COMPANIES`` (5) companies (scenario.py), ``LOAD_SECONDS`` (150) measured after the
   ramp-up.
4. Phase 2, saturation: ``LOAD_SATURATION_USERS`` (24) users with no think time for
   ``LOAD_SATURATION_SECONDS`` (60) each: the member mix, then the trivial view (``/healthz``)
   the same way, then, for the record, ``/sesion/aviso/`` signed in.
5. ``manage.py ledger_check``; the tables; everything started is stopped.

Exits 1 when a target is missed or the run itself failed. See README.md beside this file.
"""

# locust patches the standard library for gevent when it is imported: before anything else
# imports socket, ssl, threading or subprocess.
import locust  # noqa: F401, I001 - must be first

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import gevent
from locust.env import Environment
from locust.stats import StatsEntry

from tests import stack
from tests.benchmarks.environment import scratch_database_recreate, scratch_database_url
from tests.benchmarks.run import Figure, table
from tests.load import scenario
from tests.load.mailbox import Mailbox

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/cooperativa"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
WEB_WORKERS = 3
P95_TARGET_MS = 300
CAPACITY_TARGET = 0.25
STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def setting(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


# --- the load run's own database and Redis -----------------------------------------------------

LOAD = "_load"  # the suffix of the load run's throwaway database, dropped at every run


def load_database_url(url: str) -> str:
    if urlsplit(url).scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(
            f"the load run needs PostgreSQL: DATABASE_URL is {urlsplit(url).scheme}://…"
        )
    return scratch_database_url(url, LOAD)


def load_redis_url(url: str) -> str:
    """The same server, the load run's own database: the broker's queue and the cache there
    hold nothing of another stack (a task naming another database's rows)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{int(setting('LOAD_REDIS_DB', 13))}"))


def redis_empty(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=5).flushdb()


def manage(env: dict, *args: str, root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=stack.ROOT,
        env={**env, "VAR_DIR": str(root / "setup")},
        capture_output=True,
        text=True,
        check=False,
    )


# --- one phase ---------------------------------------------------------------------------------


@dataclass
class Row:
    kind: str
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, entry: StatsEntry, seconds: float, kind: str | None = None) -> "Row":
        return cls(
            kind=kind or entry.method,
            name=entry.name,
            requests=entry.num_requests,
            failures=entry.num_failures,
            rps=entry.num_requests / seconds,
            p50=entry.get_response_time_percentile(0.5),
            p95=entry.get_response_time_percentile(0.95),
            p99=entry.get_response_time_percentile(0.99),
            max=entry.max_response_time,
        )


@dataclass
class Phase:
    label: str
    seconds: float
    rows: list[Row]
    total: Row  # every HTTP request of the phase
    pages: Row  # the same without the password step and the downloads (``heavy``)
    errors: int  # failed steps, missing codes and task exceptions, ramp-up included
    cores: dict[str, float]  # where the machine's CPU went while measured (CpuMeter)
    samples: list[str] = field(default_factory=list)  # a few failure messages

    def cpu_line(self) -> str:
        cores = ", ".join(f"{owner} {used:.2f}" for owner, used in self.cores.items())
        web_ms = self.cores["web"] * self.seconds * 1000 / max(self.total.requests, 1)
        return f"CPU cores used: {cores}; web {web_ms:.1f} ms of CPU a request"


class CpuMeter:
    """Where the machine's CPU went between ``start`` and ``stop``, in cores: the web host and
    the Celery hosts (each a process group, reaped children included), this run's database
    backends (those alive at the end: a closed connection's share is lost, so "≈"), this process
    (the load generator), and everything else the machine ran meanwhile."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, hosts: list[stack.Host], database: str):
        self.owners = {
            h.process.pid: "web" if isinstance(h, stack.Web) else "celery" for h in hosts
        }
        self.database = database

    def sample(self) -> tuple[dict[str, float], dict[int, float], float, tuple[float, float]]:
        groups = dict.fromkeys(["web", "celery"], 0.0)
        backends = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
                comm = stat[stat.index("(") + 1 : stat.rindex(")")]
                # After the name: state, ppid, pgrp, …, utime, stime, cutime, cstime (11-14).
                values = [int(v) for v in stat[stat.rindex(")") + 2 :].split()[2:15] if v]
                own, reaped = sum(values[9:11]) / self.TICK, sum(values[11:13]) / self.TICK
                owner = self.owners.get(values[0])
                if owner:
                    groups[owner] += own + reaped  # a recycled worker's time is in its parent's
                elif comm == "postgres":
                    command = Path(entry.path, "cmdline").read_bytes().decode(errors="replace")
                    if f" {self.database} " in command:
                        backends[int(entry.name)] = own
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
        with open("/proc/stat") as handle:
            jiffies = [float(v) for v in handle.readline().split()[1:]]
        idle = jiffies[3] + jiffies[4]
        machine = ((sum(jiffies) - idle) / self.TICK, sum(jiffies) / self.TICK)
        return groups, backends, time.process_time(), machine

    def start(self) -> None:
        self.first = self.sample()

    def stop(self) -> dict[str, float]:
        (groups0, backends0, own0, (busy0, all0)), (groups1, backends1, own1, (busy1, all1)) = (
            self.first,
            self.sample(),
        )
        cores = os.cpu_count() or 1
        wall = (all1 - all0) / cores
        used = {owner: (groups1[owner] - groups0[owner]) / wall for owner in groups1}
        used["database≈"] = (
            sum(max(t - backends0.get(pid, 0.0), 0.0) for pid, t in backends1.items()) / wall
        )
        used["generator"] = (own1 - own0) / wall
        used["other"] = max((busy1 - busy0) / wall - sum(used.values()), 0.0)
        used["machine"] = (busy1 - busy0) / wall
        return used


def run_phase(
    label: str,
    classes: list,
    *,
    users: int,
    seconds: float,
    think: bool,
    host: str,
    meter: CpuMeter,
    ready=lambda: True,
):
    """Start ``users`` users of ``classes``, wait until they all run and ``ready()`` says so,
    then measure ``seconds``; the users are stopped before returning."""
    scenario.SHARED.think = think
    scenario.SHARED.members.reclaim()
    scenario.SHARED.companies.reclaim()
    env = Environment(user_classes=classes, host=host)
    failures: list[str] = []

    def on_request(exception=None, name="", request_type="", **_):
        if exception is not None:
            failures.append(f"{request_type} {name}: {exception}")

    env.events.request.add_listener(on_request)
    runner = env.create_local_runner()
    spawn_rate = min(users, 5 if think else users)
    runner.start(users, spawn_rate=spawn_rate)
    deadline = time.monotonic() + users / spawn_rate + 60
    while not (runner.user_count >= users and ready()) and time.monotonic() < deadline:
        gevent.sleep(0.2)
    log(f"  {label}: {runner.user_count} users running, measuring {seconds:.0f} s")
    env.stats.reset_all()  # the ramp-up's requests are not timed (its failures still count)
    meter.start()
    t0 = time.perf_counter()
    gevent.sleep(seconds)
    elapsed = time.perf_counter() - t0
    cores = meter.stop()
    # Figures taken now, before the users stop: nothing else runs until this function yields.
    entries = sorted(env.stats.entries.values(), key=lambda e: (e.method == "CORREO", e.name))
    total = StatsEntry(env.stats, "todas las peticiones HTTP", "")
    pages = StatsEntry(env.stats, "sin contraseña ni descargas", "")
    for entry in entries:
        if entry.method != "CORREO":
            total.extend(entry)
            if not heavy(entry):
                pages.extend(entry)
    phase = Phase(
        label=label,
        seconds=elapsed,
        rows=[Row.of(e, elapsed) for e in entries if e.num_requests],
        total=Row.of(total, elapsed, kind="HTTP"),
        pages=Row.of(pages, elapsed, kind="HTTP"),
        errors=len(failures) + sum(e["count"] for e in runner.exceptions.values()),
        cores=cores,
        samples=failures[:5] + [e["msg"] for e in runner.exceptions.values()][:5],
    )
    runner.quit()
    log(
        f"  {label}: {phase.total.requests} requests, {phase.total.rps:,.1f} req/s, "
        f"p95 {phase.total.p95:.0f} ms, {phase.errors} errors"
    )
    return phase


def phase_table(phase: Phase) -> str:
    head = ("type", "name", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms")
    rows = [head]
    totals = [phase.total] + ([phase.pages] if phase.pages.requests != phase.total.requests else [])
    for r in [*phase.rows, *totals]:
        rows.append(
            (
                r.kind,
                r.name,
                f"{r.requests:,}",
                f"{r.failures:,}",
                f"{r.rps:,.1f}",
                f"{r.p50:,.0f}",
                f"{r.p95:,.0f}",
                f"{r.p99:,.0f}",
                f"{r.max:,.0f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    align = ["<", "<", ">", ">", ">", ">", ">", ">", ">"]
    lines = [
        "  ".join(f"{c:{a}{w}}" for c, a, w in zip(r, align, widths, strict=True)) for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.insert(len(lines) - len(totals), lines[1])
    return "\n".join(line.rstrip() for line in lines)


def heavy(entry: StatsEntry) -> bool:
    """The password step (PBKDF2's million rounds: about 0.2 s of CPU, by design) and the PDF
    and XLSX downloads: left out of ``pages``, which is for reading the p95, not a target."""
    password = entry.method == "POST" and entry.name == "/ingresar/"
    return password or "(PDF)" in entry.name or "descargar.xlsx" in entry.name


def log_errors(hosts: list[stack.Host]) -> list[str]:
    """Lines of the stack's logs that say something went wrong (a traceback, an ERROR)."""
    found = []
    for host in hosts:
        text = host.log.read_text(errors="replace") if host.log.exists() else ""
        found += [
            f"{host.name}: {line}"
            for line in text.splitlines()
            if "Traceback" in line or " ERROR" in line or "CRITICAL" in line
        ]
    return found


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Knobs:
    """What the environment may change (README.md); the defaults fit seven minutes."""

    seconds: float
    saturation_seconds: float
    users: int
    companies: int
    saturation_users: int

    @classmethod
    def from_environment(cls) -> "Knobs":
        return cls(
            seconds=setting("LOAD_SECONDS", 150),
            saturation_seconds=setting("LOAD_SATURATION_SECONDS", 60),
            users=int(setting("LOAD_USERS", 50)),
            companies=int(setting("LOAD_COMPANIES", 5)),
            saturation_users=int(setting("LOAD_SATURATION_USERS", 24)),
        )


def prepare(env: dict, *, database: str, redis: str, root: Path) -> dict:
    """The load database afresh, migrated and seeded, and Redis emptied; the dataset."""
    log(f"database {urlsplit(database).path[1:]} (fresh), Redis {redis} (emptied)")
    scratch_database_recreate(database, LOAD)
    redis_empty(redis)
    done = manage(env, "manage.py", "migrate", "--noinput", root=root)
    if done.returncode:
        raise RuntimeError(f"migrate failed:\n{done.stdout}\n{done.stderr}")
    log("migrated; writing the members, companies and movements (dataset.py)")
    data_file = root / "dataset.json"
    done = manage(env, "-m", "tests.load.dataset", str(data_file), root=root)
    if done.returncode:
        raise RuntimeError(f"dataset failed:\n{done.stdout}\n{done.stderr}")
    data = json.loads(data_file.read_text())
    log(f"{len(data['members'])} members, {len(data['companies'])} companies")
    return data


def phases(knobs: Knobs, host: str, meter: CpuMeter) -> list[Phase]:
    """Phase 1 (people with think time), then phase 2 (saturation: the member mix, /healthz,
    /sesion/aviso/ signed in), each with the same users, generator and stack."""
    log(f"phase 1: {knobs.users} users with think time ({knobs.companies} of them companies)")
    scenario.Company.fixed_count = min(knobs.companies, knobs.users)
    mixed = run_phase(
        f"phase 1, {knobs.users} users with think time",
        [scenario.Member, scenario.Company],
        users=knobs.users,
        seconds=knobs.seconds,
        think=True,
        host=host,
        meter=meter,
    )
    scenario.Company.fixed_count = 0
    n = knobs.saturation_users
    log(f"phase 2: saturation, {n} users without think time")
    scenario.SignedInTrivial.signed_in = 0

    def signed_in() -> bool:  # the signed-in baseline's users have all signed in
        return scenario.SignedInTrivial.signed_in >= n

    saturated = [
        run_phase(
            f"phase 2, {what}, {n} users, no think time",
            [user_class],
            users=n,
            seconds=knobs.saturation_seconds,
            think=False,
            host=host,
            meter=meter,
            ready=ready,
        )
        for what, user_class, ready in (
            ("member mix", scenario.Member, lambda: True),
            ("trivial view", scenario.Trivial, lambda: True),
            ("signed-in trivial view", scenario.SignedInTrivial, signed_in),
        )
    ]
    return [mixed, *saturated]


def report(knobs: Knobs, ran: list[Phase], server_errors: list[str], ledger) -> int:
    """The tables; 1 when a target is missed."""
    mixed, members, trivial, signed_in = ran
    for phase in ran:
        print()
        print(f"{phase.label}: {phase.seconds:.0f} s measured")
        print(phase.cpu_line())
        print(phase_table(phase))
        for sample in phase.samples:
            print(f"  error: {sample}")
    for note, count in scenario.SHARED.notes.items():
        print(f"note: {note}: {count}")
    for line in server_errors[:10]:
        print(f"server log: {line}")
    p95_name = f"p95_{knobs.users}_users_think_time"
    figures = [
        Figure("errors_all_phases", sum(p.errors for p in ran), "errors", None, "<=", 0, 0, True),
        Figure("server_log_errors", len(server_errors), "lines", None, "<=", 0, 0, True),
        Figure(p95_name, mixed.total.p95, "ms", None, "<=", P95_TARGET_MS, 0, True),
        Figure(
            "member_mix_saturated_rps",
            members.total.rps,
            "req/s",
            trivial.total.rps,
            ">=",
            CAPACITY_TARGET,
        ),
        Figure(
            "p95_without_sign_in_and_documents", mixed.pages.p95, "ms", None, "info", 0, 0, True
        ),
        Figure("trivial_view_saturated_rps", trivial.total.rps, "req/s", None, "info", 0, 1, True),
        Figure(
            "member_mix_vs_signed_in_trivial",
            members.total.rps,
            "req/s",
            signed_in.total.rps,
            "info",
            0,
        ),
        Figure("ledger_check_problems", ledger.returncode, "exit", None, "<=", 0, 0, True),
    ]
    print()
    print("baseline of member_mix_saturated_rps: GET /healthz, same users, stack and generator")
    print(table(figures))
    if ledger.returncode:
        print((ledger.stdout + ledger.stderr).strip())
    missed = [f.name for f in figures if f.verdict == "MISS"]
    print(f"\n{'MISS: ' + ', '.join(missed) if missed else 'all targets PASS'}")
    return 1 if missed else 0


def main() -> int:
    knobs = Knobs.from_environment()
    database = load_database_url(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE)
    redis = load_redis_url(os.environ.get("REDIS_URL") or DEFAULT_REDIS)
    root = Path(tempfile.mkdtemp(prefix="cooperativa-load-"))
    env = stack.environment(
        database=database,
        redis=redis,
        secret_key="load-" + secrets.token_urlsafe(40),
        PYTHONUNBUFFERED="1",
    )
    env.pop("EMAIL_HOST", None)  # the codes must reach the worker's folder, read by mailbox.py
    hosts: list[stack.Host] = []
    try:
        data = prepare(env, database=database, redis=redis, root=root)
        web = stack.Web("web", env, root, workers=WEB_WORKERS)
        # As docker-compose.yml runs it: the prefork pool with two processes.
        worker = stack.worker("worker", env, root, pool="prefork", concurrency=2)
        hosts = [web, worker, stack.beat(env, root)]
        stack.wait_for("the web host", web.healthy, hosts)
        log(f"stack up: gunicorn ({WEB_WORKERS} workers) {web.base_url}, worker, beat")
        scenario.configure(data, Mailbox(worker.var_dir / "mail"))
        ran = phases(knobs, web.base_url, CpuMeter(hosts, urlsplit(database).path[1:]))
        gevent.sleep(2)  # let the worker deliver the last messages before the logs are read
        server_errors = log_errors(hosts)
        ledger = manage(env, "manage.py", "ledger_check", root=root)
        said = (ledger.stdout + ledger.stderr).strip().splitlines()
        log(f"ledger_check: {said[-1] if said else '(no output)'}")
    except Exception:
        for host in hosts:
            print(host.tail(), file=sys.stderr)
        raise
    finally:
        for host in hosts:
            host.stop()
        if os.environ.get("LOAD_KEEP"):
            log(f"kept {root} (logs, mail, dataset)")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return report(knobs, ran, server_errors, ledger)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:
        traceback.print_exc()
        print("load run FAILED", file=sys.stderr)
        sys.exit(1)
