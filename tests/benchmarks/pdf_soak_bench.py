"""PDF soak: 5,000 receipt PDFs through the web stack, and the resident memory of its processes.

The portal's own gunicorn (``cooperativa.wsgi``, ``gunicorn.conf.py`` as deployed, the bench's
worker count) serves ``/comprobantes/<n>/?formato=pdf`` to the bench member, one request per
worker in flight, until 5,000 PDFs came back (each checked: 200 and ``%PDF``). Worker recycling
(``max_requests``) is **off** for the soak, so the figure says what the workers themselves
keep, not what a restart would hide.

While it runs, a sampler reads ``/proc`` every ``SAMPLE_S`` seconds: the gunicorn workers (the
master's children) and the PDF children (the workers' ``multiprocessing`` children, not their
resource tracker). Figures, all resident set size:

* ``pdf_soak_worker_rss_mb``: the highest ``VmHWM`` (the kernel's resident high-water mark, so
  no peak falls between two samples) of any web worker over the whole run, start-up included.
  This is what grew to 250 MB after 600 receipts when WeasyPrint ran in the worker.
* ``pdf_soak_child_rss_mb``: the highest ``VmHWM`` of any PDF child, as last sampled before it
  was replaced (a child lives ``PDF_MAX_TASKS_PER_CHILD`` documents, so its peak is near the end
  of its life; a sample interval of it may be missed). Reported, no target.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.benchmarks import http_bench
from tests.benchmarks.processes import children, status_mb

RECEIPTS = 5_000
SAMPLE_S = 0.25
DEADLINE_S = 3600  # the soak stops by itself, whatever happens
RECEIPT_NUMBERS = 200  # distinct receipts, requested in turn


@dataclass
class SoakResult:
    receipts: int
    seconds: float
    workers: int
    worker_start_mb: float  # the workers' largest RSS after the first few receipts
    worker_end_mb: float  # and at the end
    worker_peak_mb: float  # the figure
    child_peak_mb: float
    children_seen: int
    errors: dict = field(default_factory=dict)


def _is_pdf_child(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"spawn_main" in cmdline or b"forkserver" in cmdline


class Sampler(threading.Thread):
    """Peak RSS (VmHWM) of the master's workers and of their PDF children, by pid."""

    def __init__(self, master: int):
        super().__init__(name="rss-sampler", daemon=True)
        self.master = master
        self.workers: dict[int, float] = {}
        self.worker_rss: dict[int, float] = {}
        self.children: dict[int, float] = {}
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def sample(self) -> None:
        with self.lock:
            for worker in children(self.master):
                peak = status_mb("VmHWM", worker)
                rss = status_mb("VmRSS", worker)
                if peak is None or rss is None:
                    continue
                self.workers[worker] = max(self.workers.get(worker, 0.0), peak)
                self.worker_rss[worker] = rss
                for child in children(worker):
                    if _is_pdf_child(child):
                        child_peak = status_mb("VmHWM", child) or 0.0
                        self.children[child] = max(self.children.get(child, 0.0), child_peak)

    def run(self) -> None:
        while not self.stop.wait(SAMPLE_S):
            self.sample()


# -- load ----------------------------------------------------------------------------------------
def _receipt_paths(account_id: int) -> list[str]:
    from django.urls import reverse

    from accounts.models import Transaction

    txns = Transaction.objects.filter(entries__account_id=account_id).order_by("pk")
    return [
        reverse("accounts:receipt", args=[t.receipt_number]) + "?formato=pdf"
        for t in txns[:RECEIPT_NUMBERS]
    ]


def _soak(port: int, paths: list[str], headers: dict, *, total: int, connections: int, log):
    """``total`` requests by ``connections`` threads; returns (ok, errors)."""
    lock = threading.Lock()
    state = {"next": 0, "ok": 0, "errors": {}}
    stop_at = time.monotonic() + DEADLINE_S

    def take() -> int | None:
        with lock:
            if state["next"] >= total or time.monotonic() > stop_at:
                return None
            state["next"] += 1
            return state["next"]

    def worker() -> None:
        while (n := take()) is not None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                conn.request("GET", paths[n % len(paths)], headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                outcome = "ok" if resp.status == 200 and body.startswith(b"%PDF") else resp.status
            except (OSError, http.client.HTTPException) as exc:
                outcome = type(exc).__name__
            finally:
                conn.close()
            with lock:
                if outcome == "ok":
                    state["ok"] += 1
                    if state["ok"] % 500 == 0:
                        log(f"  {state['ok']:,} receipts")
                else:
                    state["errors"][outcome] = state["errors"].get(outcome, 0) + 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return state["ok"], state["errors"]


def run(
    *, env: dict, var_dir: Path, user_id: int, account_id: int, workers: int, log
) -> SoakResult:
    from tests.benchmarks import dataset

    cookie_name, session_key = dataset.session_cookie(user_id)
    headers = {"Cookie": f"{cookie_name}={session_key}"}
    paths = _receipt_paths(account_id)
    if not paths:
        raise RuntimeError("the bench member has no receipts")
    server_env = env | {
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "GUNICORN_MAX_REQUESTS": "0",  # no recycling: the figure is what a worker keeps
        "GUNICORN_ACCESS_LOG": "",  # 5,000 lines of log are not what is measured
    }
    server = http_bench.Gunicorn(
        "cooperativa.wsgi:application",
        env=server_env,
        workers=workers,
        log_path=var_dir / "gunicorn-pdf-soak.log",
        ready_path="/healthz",
    )
    with server as up:
        status, body = http_bench.get(up.port, paths[0], headers)
        if status != 200 or not body.startswith(b"%PDF"):
            raise RuntimeError(f"the receipt PDF answered {status}: {body[:200]!r}")
        sampler = Sampler(up.proc.pid)
        # A few receipts first, one per worker at least, so "start" is a worker that has served.
        _soak(up.port, paths, headers, total=workers * 5, connections=workers, log=log)
        sampler.sample()
        start_mb = max(sampler.worker_rss.values())
        sampler.start()
        t0 = time.perf_counter()
        ok, errors = _soak(up.port, paths, headers, total=RECEIPTS, connections=workers, log=log)
        seconds = time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
        sampler.sample()
        alive = set(children(up.proc.pid))
        end_mb = max(rss for pid, rss in sampler.worker_rss.items() if pid in alive)
    if len(sampler.workers) != workers:
        log(f"  WARNING: {len(sampler.workers)} worker pids seen for {workers} workers")
    return SoakResult(
        receipts=ok,
        seconds=seconds,
        workers=workers,
        worker_start_mb=start_mb,
        worker_end_mb=end_mb,
        worker_peak_mb=max(sampler.workers.values()),
        child_peak_mb=max(sampler.children.values(), default=0.0),
        children_seen=len(sampler.children),
        errors=errors,
    )
