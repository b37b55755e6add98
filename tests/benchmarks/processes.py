"""What the benchmarks that measure memory share: a step run in a fresh (spawned) process
that reports back through a queue, and that process's resident-memory figures.

Peak RSS growth is the process's resident high-water mark during the step (Linux: ``VmHWM``
of ``/proc/self/status``, reset by writing 5 to ``/proc/self/clear_refs`` just before the
step) minus its resident size at that moment. Where the reset does not work (no ``/proc``),
``ru_maxrss`` is the fallback, an upper bound.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import sys


def in_fresh_process(target, args, name: str, *, timeout: float = 1800):
    """Runs ``target(*args, results)`` in a spawned process; it must put ("ok", payload) or
    ("error", traceback) on ``results``. Returns the payload or raises with the traceback."""
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, results), name=name)
    proc.start()
    try:
        status, payload = results.get(timeout=timeout)
    except queue_module.Empty:
        raise RuntimeError(f"{name}: the process did not report back") from None
    finally:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.terminate()
            proc.join()
    if status != "ok":
        raise RuntimeError(f"{name} failed:\n{payload}")
    return payload


def status_mb(field_name: str, pid: int | str = "self") -> float | None:
    """A ``kB`` field (VmRSS, VmHWM) of /proc/<pid>/status in MB, or None (no /proc, or the
    process is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) / 2**10
    except OSError:
        pass
    return None


def children(parent: int, *, marker: bytes = b"") -> list[int]:
    """The live child processes of ``parent`` (Linux /proc), those whose command line holds
    ``marker`` when one is given (b"spawn_main": multiprocessing's spawned children)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry.name}/cmdline", "rb") as command:
                cmdline = command.read()
        except OSError:
            continue
        if int(fields[1]) == parent and fields[0] != "Z" and marker in cmdline:
            found.append(int(entry.name))
    return found


def peak_reset() -> bool:
    """Start the resident high-water mark again from the current size (Linux 4.0+)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def rss_mb() -> float:
    rss = status_mb("VmRSS")
    return rss if rss is not None else peak_rss_mb(reset=False)


def peak_rss_mb(*, reset: bool) -> float:
    if reset:
        peak = status_mb("VmHWM")
        if peak is not None:
            return peak
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes / KiB
