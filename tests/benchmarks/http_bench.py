"""Figure 3 helpers: gunicorn started and stopped by the bench, and a small load generator
(threads, one http.client connection each, to 127.0.0.1 only)."""

from __future__ import annotations

import http.client
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .environment import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


class Gunicorn:
    """``gunicorn <app> --workers N`` on a free port; stopped (SIGTERM to the master it started)
    on exit."""

    def __init__(self, app: str, *, env: dict, workers: int, log_path: Path, ready_path: str):
        self.app, self.env, self.workers = app, env, workers
        self.log_path, self.ready_path = log_path, ready_path
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.log = self.log_path.open("w")
        cmd = [sys.executable, "-m", "gunicorn", self.app, "--workers", str(self.workers)]
        cmd += ["--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "--timeout", "60"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {self.app} exited:\n{self.tail()}")
            try:
                if get(self.port, self.ready_path)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn {self.app} not ready after 60 s:\n{self.tail()}")

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def tail(self, lines: int = 40) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class LoadResult:
    rps: float
    ok: int
    seconds: float
    errors: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list, repr=False)

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else 0.0

    @property
    def p95_ms(self) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000

    @classmethod
    def merged(cls, parts: list[LoadResult]) -> LoadResult:
        ok = sum(p.ok for p in parts)
        seconds = sum(p.seconds for p in parts)
        return cls(
            rps=ok / seconds,
            ok=ok,
            seconds=seconds,
            errors=sum((p.errors for p in parts), Counter()),
            latencies=[x for p in parts for x in p.latencies],
        )


def load(
    port: int,
    path: str,
    *,
    headers: dict | None = None,
    connections: int = 8,
    seconds: float = 10.0,
    warmup: float = 1.0,
) -> LoadResult:
    """Keep ``connections`` requests in flight; count the 200s completed in the measured window
    (after ``warmup``). A server that closes after each response gets a new connection."""
    headers = dict(headers or {})
    begin = time.perf_counter() + 0.2  # let every thread start first
    measure_from = begin + warmup
    stop_at = measure_from + seconds
    results: list[tuple[int, Counter, list[float]]] = []
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        ok, errors, latencies = 0, Counter(), []
        while time.perf_counter() < begin:
            time.sleep(0.001)
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                break
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                status = type(exc).__name__
            finished = time.perf_counter()
            if started >= measure_from and finished <= stop_at:
                if status == 200:
                    ok += 1
                    latencies.append(finished - started)
                else:
                    errors[status] += 1
        conn.close()
        with lock:
            results.append((ok, errors, latencies))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=warmup + seconds + 60)
    ok = sum(r[0] for r in results)
    errors = sum((r[1] for r in results), Counter())
    latencies = [x for r in results for x in r[2]]
    return LoadResult(rps=ok / seconds, ok=ok, seconds=seconds, errors=errors, latencies=latencies)


def alternate(
    targets: dict[str, tuple[int, str, dict]],
    *,
    rounds: int,
    seconds: float,
    connections: int,
    warmup: float,
    log,
) -> dict[str, LoadResult]:
    """``seconds`` of load per target, split into ``rounds`` phases taken in turn (a, b, a, b),
    so a burst of load from elsewhere on the machine hits every target alike."""
    parts: dict[str, list[LoadResult]] = {label: [] for label in targets}
    for r in range(rounds):
        for label, (port, path, headers) in targets.items():
            part = load(
                port,
                path,
                headers=headers,
                connections=connections,
                seconds=seconds / rounds,
                warmup=warmup,
            )
            log(f"  round {r + 1} {label}: {part.rps:,.1f} req/s")
            parts[label].append(part)
    return {label: LoadResult.merged(p) for label, p in parts.items()}
