"""``make bench``: the portal's performance figures, each beside a baseline from the same run.

    .venv/bin/python tests/benchmarks/run.py                       # SQLite, temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cooperativa \\
        .venv/bin/python tests/benchmarks/run.py                   # PostgreSQL, cooperativa_bench

Prints progress, then one line per figure: name, value, unit, baseline, ratio, target, PASS/MISS.
Exits 0 whatever the figures say (it is a report) and 1 if the benchmark itself failed.
BENCH_SECONDS (default 10) sets the length of each timed loop. BENCH_ONLY=ledger,statement,position,
transfer,bill,schedules,settlement,payroll,pdf,movements_page runs a subset (pdf is pdfsoak and
statement50k; movements_page needs PostgreSQL).
See README.md beside this file.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# Run as a script, Python puts tests/benchmarks/ first on the path: import the project and this
# package from the repository root instead (also in the processes multiprocessing spawns).
sys.path[:] = [str(ROOT)] + [p for p in sys.path if not p or Path(p).resolve() not in (ROOT, HERE)]

from tests.benchmarks import (  # noqa: E402 - needs the path above
    bill_payment_bench,
    dataset,
    environment,
    http_bench,
    ledger_bench,
    movements_page_bench,
    payroll_execute_bench,
    payroll_import_bench,
    pdf_soak_bench,
    schedules_bench,
    settlement_bench,
    statement_50k_bench,
    statement_bench,
    transfer_bench,
)

PROCESSES = 2
WORKERS = 2
CONNECTIONS = 8
LEDGER_ACCOUNTS = 10
ROUNDS = 2  # each side's time is split into this many alternating phases
HTTP_WARMUP = 0.5  # seconds of load before each HTTP phase that are not counted
STARTED = time.monotonic()
# gunicorn reads the repository's gunicorn.conf.py by itself. For the throughput figures, no
# worker restarts in the middle of a phase (max_requests) and no access log, as they were
# measured before that file existed; the PDF soak sets the same (pdf_soak_bench.py).
UNRECYCLED = {"GUNICORN_MAX_REQUESTS": "0", "GUNICORN_ACCESS_LOG": ""}


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline: float | None
    op: str  # ">=" or "<="
    target: float
    digits: int = 1
    # The target is on the value itself (seconds, MB), not on a ratio to a baseline.
    absolute: bool = False

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline

    @property
    def verdict(self) -> str:
        ratio = self.value if self.absolute else self.ratio
        if ratio is None or self.op == "info":
            return "n/a" if ratio is None else "info"
        ok = ratio >= self.target if self.op == ">=" else ratio <= self.target
        return "PASS" if ok else "MISS"


def table(figures: list[Figure]) -> str:
    head = ("name", "value", "unit", "baseline", "ratio", "target", "PASS/MISS")
    rows = [head]
    for f in figures:
        ratio = f.ratio
        rows.append(
            (
                f.name,
                f"{f.value:,.{f.digits}f}",
                f.unit,
                "n/a" if f.baseline is None else f"{f.baseline:,.{f.digits}f}",
                "n/a" if ratio is None else f"{ratio:.2f}",
                ""
                if f.op == "info"
                else f"{f.op} {f.target:,.0f} {f.unit}"
                if f.absolute
                else f"{f.op} {f.target:.2f}",
                f.verdict,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    align = ["<", ">", "<", ">", ">", "<", "<"]
    lines = [
        "  ".join(f"{c:{a}{w}}" for c, a, w in zip(r, align, widths, strict=True)) for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def _rates(rates: list[float]) -> str:
    return ", ".join(f"{r:,.0f}" for r in rates)


def _log_sides(result, bare_label: str, service_label: str):
    bare, service = result["bare"], result["service"]
    for label, r in ((bare_label, bare), (service_label, service)):
        log(
            f"  {label}: {r.rate:,.1f} tx/s ({r.postings} in {r.seconds:.1f} s; "
            f"per round {_rates(r.per_phase)}; per process {_rates(r.per_process)})"
        )
    return bare, service


def bench_ledger(bench, data, seconds: float) -> Figure:
    ids = data.ledger_account_ids
    driver = "psycopg" if bench.engine == "postgresql" else "sqlite3"
    log(
        f"1/5 ledger: {PROCESSES} processes, {len(ids)} funded accounts, {seconds:.0f} s per side "
        f"in {ROUNDS} alternating rounds (bare {driver} SQL / posting service)"
    )
    result = ledger_bench.run(
        env=bench.env,
        engine=bench.engine,
        ids=ids,
        processes=PROCESSES,
        seconds=seconds,
        rounds=ROUNDS,
        tag=data.tag,
    )
    bare, service = _log_sides(result, f"bare {driver} locking SQL", "posting service")
    log(f"  ledger check: {ledger_bench.check_consistent(ids)}")
    return Figure("ledger_transfers_per_s", service.rate, "tx/s", bare.rate, ">=", 0.5)


def bench_statement(data) -> Figure:
    log(f"2/5 statement PDF: {data.statement_month:%Y-%m}, best of {statement_bench.RUNS}")
    result = statement_bench.run(
        account_id=data.statement_account_id, month=data.statement_month, log=log
    )
    log(
        f"  {result.rows} movements: project {result.project_s:.2f} s "
        f"({result.project_pages or '?'} pages), plain table {result.plain_s:.2f} s "
        f"({result.plain_pages or '?'} pages)"
    )
    if result.rows != dataset.STATEMENT_ROWS:
        raise RuntimeError(f"statement has {result.rows} rows, expected {dataset.STATEMENT_ROWS}")
    return Figure(
        "statement_pdf_1000_rows_s", result.project_s, "s", result.plain_s, "<=", 1.0, digits=2
    )


def bench_position(bench, data, seconds: float) -> list[Figure]:
    from django.db import connections

    log(
        f"3/5 position page: gunicorn --workers {WORKERS} (portal and bare Django), "
        f"{CONNECTIONS} connections, {seconds:.0f} s each in {ROUNDS} alternating rounds"
    )
    cookie_name, session_key = dataset.session_cookie(data.user_id)
    member_headers = {"Cookie": f"{cookie_name}={session_key}"}
    connections.close_all()
    portal_env = (
        bench.env
        | UNRECYCLED
        | {
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SETTINGS_MODULE": "tests.benchmarks.bench_settings",
        }
    )
    bare_env = {k: v for k, v in bench.env.items() if k != "DJANGO_SETTINGS_MODULE"} | UNRECYCLED
    uncached_server = http_bench.Gunicorn(
        "cooperativa.wsgi:application",
        env=portal_env | {"POSITION_CACHE_SECONDS": "0"},
        workers=WORKERS,
        log_path=bench.var_dir / "gunicorn-uncached.log",
        ready_path="/healthz",
    )
    portal_server = http_bench.Gunicorn(
        "cooperativa.wsgi:application",
        env=portal_env,
        workers=WORKERS,
        log_path=bench.var_dir / "gunicorn-portal.log",
        ready_path="/healthz",
    )
    bare_server = http_bench.Gunicorn(
        "tests.benchmarks.bare_site:application",
        env=bare_env,
        workers=WORKERS,
        log_path=bench.var_dir / "gunicorn-bare.log",
        ready_path="/",
    )
    with portal_server as portal_up, bare_server as bare_up, uncached_server as uncached_up:
        status, body = http_bench.get(portal_up.port, "/", member_headers)
        if status != 200 or "Posición consolidada".encode() not in body:
            raise RuntimeError(f"GET / as the bench member answered {status}, not the position")
        results = http_bench.alternate(
            {
                "portal /": (portal_up.port, "/", member_headers),
                "portal / without its cache": (uncached_up.port, "/", member_headers),
                "bare template view, same Django": (portal_up.port, "/bench/bare/", {}),
                "bare template view, minimal Django": (bare_up.port, "/", {}),
            },
            rounds=ROUNDS,
            seconds=seconds,
            connections=CONNECTIONS,
            warmup=HTTP_WARMUP,
            log=log,
        )
    for label, result in results.items():
        log(
            f"  {label}: {result.rps:,.1f} req/s ({result.ok} x 200 in {result.seconds:.0f} s, "
            f"p50 {result.p50_ms:.1f} ms, p95 {result.p95_ms:.1f} ms)"
        )
        if result.errors:
            log(f"  WARNING {label}: non-200 answers, not counted: {dict(result.errors)}")
    portal = results["portal /"]
    same = results["bare template view, same Django"]
    minimal = results["bare template view, minimal Django"]
    return [
        Figure("position_page_rps", portal.rps, "req/s", same.rps, ">=", 0.4),
        # For the record: the page with its per-member cache switched off (every request
        # queries and renders), and beside Django with no apps, middleware or database.
        Figure(
            "position_page_uncached_rps",
            results["portal / without its cache"].rps,
            "req/s",
            same.rps,
            "info",
            0.0,
        ),
        Figure("position_vs_minimal_django", portal.rps, "req/s", minimal.rps, "info", 0.0),
    ]


def _service_against_bare(bench, data, seconds, *, module, title, service_label, check):
    """A service side against the bare transfer SQL, alternating (``module.run``); returns
    (bare, service) after the ledger check and ``check(tag, expected)``."""
    from django.db import connections

    ids = data.ledger_account_ids
    driver = "psycopg" if bench.engine == "postgresql" else "sqlite3"
    log(
        f"{title}: {PROCESSES} processes, {len(ids)} funded accounts, {seconds:.0f} s per side "
        f"in {ROUNDS} alternating rounds (bare {driver} transfer SQL / {service_label})"
    )
    module.prepare(ids, data.tag)
    connections.close_all()
    result = module.run(
        env=bench.env,
        engine=bench.engine,
        ids=ids,
        processes=PROCESSES,
        seconds=seconds,
        rounds=ROUNDS,
        tag=data.tag,
    )
    bare, service = _log_sides(result, f"bare {driver} transfer SQL", f"{service_label} service")
    log(f"  ledger check: {ledger_bench.check_consistent(ids)}")
    expected = service.postings + ledger_bench.WARMUP_POSTINGS * PROCESSES
    log(f"  {check(data.tag, expected)}")
    return bare, service


def bench_transfer(bench, data, seconds: float) -> Figure:
    bare, service = _service_against_bare(
        bench,
        data,
        seconds,
        module=transfer_bench,
        title="4/5 transfer",
        service_label="member_transfer",
        check=lambda tag, n: f"transfer check: {transfer_bench.check_transfers(tag, n)}",
    )
    return Figure("transfer_full_service_per_s", service.rate, "tx/s", bare.rate, ">=", 0.33)


def bench_bill_payment(bench, data, seconds: float) -> Figure:
    bare, service = _service_against_bare(
        bench,
        data,
        seconds,
        module=bill_payment_bench,
        title="bill payment",
        service_label="bill_pay",
        check=lambda tag, n: f"payment check: {bill_payment_bench.check_payments(tag, n)}",
    )
    return Figure("bill_payment_full_service_per_s", service.rate, "tx/s", bare.rate, ">=", 0.33)


def bench_schedules(bench, data) -> list[Figure]:
    from django.db import connections

    n = schedules_bench.SCHEDULES
    log(
        f"scheduled payments: {n:,} due schedules written in bulk, then one beat pass "
        f"(schedules_run_due against the simulated biller) by {schedules_bench.WORKERS} "
        "worker processes started together"
    )
    sched = schedules_bench.build(tag=data.tag)
    log(
        f"  setup: {sched.schedules:,} schedules of {schedules_bench.MEMBERS} members "
        f"({sched.paid:,} to pay, {sched.no_bill:,} without a bill, {sched.above:,} above "
        f"their maximum) in {sched.setup_s:.1f} s"
    )
    connections.close_all()
    r = schedules_bench.run(env=bench.env, data=sched)
    log(
        f"  pass: {r.seconds:.2f} s (cpu {r.cpu_s:.2f} s); peak RSS growth "
        f"{r.peak_growth_mb:.1f} MB over {r.rss_before_mb:.1f} MB; {r.outcome}"
    )
    log(f"  schedules check: {schedules_bench.check(sched)}")
    connections.close_all()
    return [
        Figure("scheduled_payments_10k_due_s", r.seconds, "s", None, "<=", 60, 2, absolute=True),
        Figure("scheduled_payments_10k_peak_mb", r.peak_growth_mb, "MB", None, "<=", 200, 1, True),
    ]


def bench_settlement(bench, data) -> list[Figure]:
    from django.db import connections

    n = settlement_bench.TRANSFERS
    profile = "settlement" in os.environ.get("BENCH_PROFILE", "").split(",")
    log(
        f"5/5 settlement: {n:,} pending batch transfers written in bulk, then cycle_run and "
        "results_apply, each in a fresh process"
        + (" (under cProfile: the times include its overhead)" if profile else "")
    )
    spi = settlement_bench.build(tag=data.tag)
    log(
        f"  setup: {spi.transfers:,} transfers of {settlement_bench.ORIGINS} members, "
        f"{spi.rejected} to accounts the central bank rejects, in {spi.setup_s:.1f} s"
    )
    connections.close_all()
    steps = {}
    for step, label in (("cycle", "cycle_run"), ("results", "results_apply")):
        r = settlement_bench.run_step(
            env=bench.env, step=step, cycle_at=spi.cycle_at, profile=profile
        )
        parts = "".join(f"; {name} {s:.2f} s" for name, s in r.parts.items())
        log(
            f"  {label}: {r.seconds:.2f} s (cpu {r.cpu_s:.2f} s{parts}); peak RSS growth "
            f"{r.peak_growth_mb:.1f} MB over {r.rss_before_mb:.1f} MB; {r.outcome}"
        )
        if r.profile:
            print(r.profile, flush=True)
        check = settlement_bench.check_sent if step == "cycle" else settlement_bench.check_applied
        log(f"  {label} check: {check(spi)}")
        connections.close_all()
        steps[step] = r
    cycle, results = steps["cycle"], steps["results"]
    return [
        Figure("settlement_cycle_10k_s", cycle.seconds, "s", None, "<=", 30, 2, absolute=True),
        Figure(
            "settlement_cycle_10k_peak_mb", cycle.peak_growth_mb, "MB", None, "<=", 200, 1, True
        ),
        Figure("settlement_results_10k_s", results.seconds, "s", None, "<=", 30, 2, True),
        Figure(
            "settlement_results_10k_peak_mb", results.peak_growth_mb, "MB", None, "<=", 200, 1, True
        ),
    ]


def _seconds(runs: list[float]) -> str:
    return ", ".join(f"{r:.2f}" for r in runs)


def bench_payroll_sheets(bench, data) -> list[Figure]:
    from django.db import connections

    log(
        f"payroll sheets: {payroll_import_bench.VALIDATE_ROWS:,}-row sheet validated beside "
        f"openpyxl's bare read-only parse (fresh process, best of {payroll_import_bench.RUNS}); "
        f"{payroll_import_bench.IMPORT_ROWS:,}-row sheet imported in a fresh process"
    )
    sheets = payroll_import_bench.build(tag=data.tag, directory=bench.var_dir / "payroll")
    log(
        f"  setup: {payroll_import_bench.MEMBERS} members, sheets of "
        f"{sheets.validate_bytes / 2**20:.1f} MB and {sheets.import_bytes / 2**20:.1f} MB "
        f"in {sheets.setup_s:.1f} s"
    )
    connections.close_all()
    v = payroll_import_bench.run_validate(env=bench.env, data=sheets)
    log(
        f"  validate: project {v.project_s:.2f} s (runs {_seconds(v.project_runs)}), "
        f"bare openpyxl {v.bare_s:.2f} s (runs {_seconds(v.bare_runs)}); "
        f"{v.rows:,} rows, {v.invalid} invalid"
    )
    imp = payroll_import_bench.run_import(env=bench.env, data=sheets)
    log(
        f"  import: {imp.seconds:.1f} s (cpu {imp.cpu_s:.1f} s); peak RSS growth "
        f"{imp.peak_growth_mb:.1f} MB over {imp.rss_before_mb:.1f} MB; {imp.outcome}"
    )
    connections.close_all()
    log(f"payroll execute: an approved {payroll_execute_bench.ROWS:,}-row internal batch")
    pay = payroll_execute_bench.build(tag=data.tag)
    log(
        f"  setup: company, {payroll_execute_bench.ROWS:,} member accounts, batch and its "
        f"order in {pay.setup_s:.1f} s"
    )
    execute_s, outcome = payroll_execute_bench.run(pay)
    log(f"  approval + rows_pay: {execute_s:.2f} s; {outcome}")
    log(f"  execute check: {payroll_execute_bench.check(pay)}")
    connections.close_all()
    return [
        Figure("payroll_execute_10k_s", execute_s, "s", None, "<=", 10, 2, absolute=True),
        Figure("payroll_validate_10k", v.project_s, "s", v.bare_s, "<=", 3.0, digits=2),
        Figure("payroll_import_100k_peak_mb", imp.peak_growth_mb, "MB", None, "<=", 300, 1, True),
        Figure("payroll_import_100k_s", imp.seconds, "s", None, "info", 0.0, 1, True),
    ]


def bench_pdf_soak(bench, data) -> list[Figure]:
    from django.db import connections

    log(
        f"PDF soak: {pdf_soak_bench.RECEIPTS:,} receipt PDFs from gunicorn --workers {WORKERS} "
        "(cooperativa.wsgi, gunicorn.conf.py without max_requests), one request per worker in "
        "flight; peak RSS of the web workers and of their PDF children"
    )
    connections.close_all()
    r = pdf_soak_bench.run(
        env=bench.env,
        var_dir=bench.var_dir,
        user_id=data.user_id,
        account_id=data.statement_account_id,
        workers=WORKERS,
        log=log,
    )
    log(
        f"  {r.receipts:,} receipts in {r.seconds:.0f} s ({r.receipts / r.seconds:.1f}/s); "
        f"web worker RSS {r.worker_start_mb:.0f} MB after the first receipts, "
        f"{r.worker_end_mb:.0f} MB at the end, peak {r.worker_peak_mb:.0f} MB; "
        f"PDF children: {r.children_seen} seen, peak {r.child_peak_mb:.0f} MB"
    )
    if r.errors or r.receipts != pdf_soak_bench.RECEIPTS:
        raise RuntimeError(f"the soak got {r.receipts:,} PDFs; other answers: {r.errors}")
    return [
        Figure("pdf_soak_worker_rss_mb", r.worker_peak_mb, "MB", None, "<=", 250, 0, True),
        Figure("pdf_soak_child_rss_mb", r.child_peak_mb, "MB", None, "info", 0.0, 0, True),
    ]


def bench_statement_50k(bench, data) -> list[Figure]:
    from django.db import connections

    n = statement_50k_bench.ROWS
    log(
        f"statement {n:,} rows: written in bulk, then the background job (export_job_execute) "
        "in a fresh process; peak RSS of that process and of its PDF children"
    )
    s50k = statement_50k_bench.build(tag=data.tag)
    log(f"  setup: {s50k.rows:,} movements of {s50k.month:%Y-%m} in {s50k.setup_s:.1f} s")
    connections.close_all()
    r = statement_50k_bench.run(env=bench.env, data=s50k)
    log(
        f"  job: {r.seconds:.0f} s, {r.pages:,} pages; worker peak {r.worker_peak_mb:.0f} MB, "
        f"PDF child peak {r.child_peak_mb:.0f} MB ({r.children_seen} children); {r.outcome}"
    )
    connections.close_all()
    return [
        Figure("statement_50k_rows_peak_mb", r.peak_mb, "MB", None, "<=", 300, 0, True),
        Figure("statement_50k_rows_s", r.seconds, "s", None, "info", 0.0, 0, True),
    ]


def bench_movements_page(bench) -> list[Figure]:
    from django.db import connections
    from django.utils import timezone

    if bench.engine != "postgresql":
        log("movements page: needs PostgreSQL (DATABASE_URL=postgres://...), skipped")
        return []
    m = movements_page_bench
    log(
        f"movements page: one account's {m.OWN_MOVEMENTS:,} movements inside ledgers of "
        f"{m.LEDGERS['10m']:,} and {m.LEDGERS['10k']:,} entries (throwaway databases), "
        f"p95 of {m.REQUESTS} requests a page through gunicorn, one in flight"
    )
    connections.close_all()
    started = time.monotonic()
    try:
        ledgers = m.prepare(env=bench.env, bench_url=bench.database_url, log=log)
        log(f"  setup of both ledgers: {time.monotonic() - started:.0f} s")
        today = timezone.localdate()
        results = m.measure(
            env=bench.env, var_dir=bench.var_dir, ledgers=ledgers, today=today, log=log
        )
        figures = []
        for result, name in zip(
            results,
            ("movements_page_p95_ms_10m_entries", "movements_page_filtered_p95_ms_10m_entries"),
            strict=True,
        ):
            p95, p50 = result.p95_ms, result.p50_ms
            log(
                f"  {result.label}: 10M p95 {p95['10m']:.1f} ms (p50 {p50['10m']:.1f}), "
                f"10k p95 {p95['10k']:.1f} ms (p50 {p50['10k']:.1f})"
            )
            figures.append(Figure(name, p95["10m"], "ms", p95["10k"], "<=", 1.5))
        if os.environ.get("BENCH_EXPLAIN") or any(f.verdict == "MISS" for f in figures):
            for query in m.pages(today).values():
                for plan in m.explain(env=bench.env, ledger=ledgers["10m"], query=query):
                    print(plan, flush=True)
    finally:
        m.finish(bench.database_url, log=log)
    return figures


def main() -> int:
    seconds = float(os.environ.get("BENCH_SECONDS", "10"))
    only_env = os.environ.get("BENCH_ONLY", "")
    log("preparing the bench database (fresh) and migrating it")
    bench = environment.prepare()
    try:
        log(f"database: {bench.label}")
        os.environ.clear()
        os.environ.update(bench.env)  # this process and the spawned ones use the bench env
        import django

        django.setup()
        from django.db import connections

        tag = f"{int(time.time()) % 10**8:08d}"
        log("creating members, accounts and 1,000 statement movements through the ledger")
        data = dataset.build(tag=tag, ledger_accounts=LEDGER_ACCOUNTS)
        connections.close_all()

        # BENCH_ONLY=ledger,statement,position,transfer,settlement,payroll,pdf runs a subset
        # while working on one figure.
        only = set(filter(None, only_env.split(","))) or {
            "ledger",
            "statement",
            "position",
            "transfer",
            "bill",
            "schedules",
            "settlement",
            "payroll",
            "pdf",
            "movements_page",
        }
        if "pdf" in only:
            only |= {"pdfsoak", "statement50k"}
        figures = []
        if "ledger" in only:
            figures.append(bench_ledger(bench, data, seconds))
        if "statement" in only:
            figures.append(bench_statement(data))
        if "position" in only:
            figures.extend(bench_position(bench, data, seconds))
        if "transfer" in only:
            figures.append(bench_transfer(bench, data, seconds))
        if "bill" in only:
            figures.append(bench_bill_payment(bench, data, seconds))
        if "schedules" in only:
            figures.extend(bench_schedules(bench, data))
        if "settlement" in only:
            figures.extend(bench_settlement(bench, data))
        if "payroll" in only:
            figures.extend(bench_payroll_sheets(bench, data))
        if "pdfsoak" in only:
            figures.extend(bench_pdf_soak(bench, data))
        if "statement50k" in only:
            figures.extend(bench_statement_50k(bench, data))
        if "movements_page" in only:
            figures.extend(bench_movements_page(bench))
        connections.close_all()
        log(f"done ({bench.engine})")
        print()
        print(table(figures))
        return 0
    finally:
        bench.cleanup()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:
        traceback.print_exc()
        print("benchmark FAILED", file=sys.stderr)
        sys.exit(1)
