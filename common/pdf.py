"""HTML to PDF for receipts, statements and reports, rendered in a child process.

Why a child: WeasyPrint keeps about 0.2 MB of every document for the life of the process that
rendered it (600 receipts took a gunicorn worker from 81 to 250 MB), and laying out a long
table holds about 120 MB per 1,000 rows until it is done. So documents are rendered by a small
pool of child processes (``concurrent.futures.ProcessPoolExecutor``) that replaces each child
after ``PDF_MAX_TASKS_PER_CHILD`` documents: what WeasyPrint kept leaves with the child, and the
web and Celery workers never load WeasyPrint at all. The children run ``common.pdf_render``,
which needs no Django.

One pool per process, made on the first document: a gunicorn or Celery worker forked from a
parent gets its own (the pool object a fork inherits has no threads and is dropped). Children
are started with ``spawn`` (``PDF_START_METHOD``), never ``fork``: forking a process that runs
threads (the pool's own, a gthread worker's) can copy a held lock into the child, and Python
refuses ``max_tasks_per_child`` with ``fork``. As with any spawned process, a script run as
``python script.py`` that makes PDFs keeps its work under ``if __name__ == "__main__":`` (the
child imports the main module); gunicorn, celery, manage.py and pytest all do. In a Celery
prefork worker see ``_allow_children``.

Settings, read at each call (``getattr`` with these defaults):

* ``PDF_RENDER_PROCESSES`` (1): children per worker process; 0 renders in the process itself.
* ``PDF_MAX_TASKS_PER_CHILD`` (100): documents a child renders before it is replaced.
* ``PDF_RENDER_TIMEOUT`` (45 s): what one document (or one part) may take; past it the child is
  killed and the caller gets a ``PdfError`` instead of a worker stuck past gunicorn's timeout.
* ``PDF_START_METHOD`` ("spawn"): or "forkserver".
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from django.conf import settings
from django.utils.translation import gettext

from . import pdf_render
from .refusal import Refusal

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_pid = 0


class PdfError(Refusal):
    """A document could not be made: it took too long, or the process rendering it died."""


def pdf_from_html(html: str) -> bytes:
    return _run(pdf_render.render, html, _base_url())


def pdf_from_parts(parts: Iterable[str], *, page_style: Callable[[int, int], str]) -> bytes:
    """One PDF from HTML documents rendered one at a time and joined, so a document of any
    length is never laid out whole (its memory is that of its longest part).

    Each part starts on a new page and must leave its pages unnumbered: only the whole knows
    how many pages it has. ``page_style(first, total)`` returns the ``<style>`` whose ``@page``
    rules number pages from ``first`` (page ``first`` of ``total`` on the part's first page);
    those numbers are rendered on empty pages and drawn over each part's pages.
    """
    base_url = _base_url()
    rendered = [_run(pdf_render.render_counted, html, base_url) for html in parts]
    total = sum(pages for _pdf, pages in rendered)
    first = 1
    stamped = []
    for index, (pdf, pages) in enumerate(rendered):
        overlay = _numbers_html(page_style(first, total), pages)
        stamped.append(_run(pdf_render.stamp, pdf, overlay, base_url))
        rendered[index] = None  # the unnumbered part is no longer needed
        first += pages
    return _run(pdf_render.join, stamped)


def _numbers_html(style: str, pages: int) -> str:
    """``pages`` empty pages under ``style``: only its margin boxes (the numbers) are drawn."""
    slots = '<div class="pdf-page"></div>' * pages
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8">{style}'
        "<style>.pdf-page + .pdf-page { break-before: page; }</style></head>"
        f"<body>{slots}</body></html>"
    )


def _base_url() -> str:
    return str(settings.BASE_DIR)


def _run(function, *args):
    """``function(*args)`` in a child of the pool (or here when PDF_RENDER_PROCESSES is 0)."""
    processes = int(getattr(settings, "PDF_RENDER_PROCESSES", 1))
    if processes <= 0:
        return function(*args)
    timeout = float(getattr(settings, "PDF_RENDER_TIMEOUT", 45))
    pool = None
    try:
        pool, future = _submit(processes, function, args)
        return future.result(timeout=timeout)
    except TimeoutError:
        logger.error(
            "PDF: %s took more than %s s; its child was killed", function.__name__, timeout
        )
        _discard(pool, kill=True)
        raise PdfError(
            gettext(
                "El documento tardó demasiado en generarse. Inténtalo de nuevo con un período "
                "más corto."
            )
        ) from None
    except BrokenProcessPool:
        logger.exception("PDF: the child died while rendering %s", function.__name__)
        if pool is not None:
            _discard(pool)
        raise PdfError(
            gettext("No pudimos generar el documento. Inténtalo de nuevo en unos minutos.")
        ) from None


def _submit(processes: int, function, args):
    # A pool can break while idle (its child killed by the OOM killer, say): the document that
    # finds it so is not the cause, so it gets one new pool. A document whose own child dies is
    # not tried again (``_run``): it would likely kill the next one too.
    for attempt in (1, 2):
        pool = _executor(processes)
        try:
            return pool, pool.submit(function, *args)
        except BrokenProcessPool:
            _discard(pool)
            if attempt == 2:
                raise
        except Exception:
            _discard(pool)  # a child that could not be started leaves the pool half made
            raise
    raise AssertionError("unreachable")


def _executor(processes: int) -> ProcessPoolExecutor:
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            _allow_children()
            method = getattr(settings, "PDF_START_METHOD", "spawn")
            _pool = ProcessPoolExecutor(
                max_workers=processes,
                mp_context=multiprocessing.get_context(method),
                max_tasks_per_child=int(getattr(settings, "PDF_MAX_TASKS_PER_CHILD", 100)),
                initializer=pdf_render.child_start,
            )
            _pool_pid = os.getpid()
        return _pool


def _allow_children() -> None:
    """Celery's prefork pool (billiard) runs tasks in daemonic processes and makes its own
    Process object the standard library's current process. ``multiprocessing`` then refuses
    that process children (a daemon's children could outlive it when it is terminated), and
    cannot pickle billiard's authentication key for a spawned child. The PDF child leaves with
    its parent by itself (``pdf_render._exit_with_parent``), which is what the first rule
    protects: so the worker process stops calling itself daemonic, and its key (the same
    bytes) becomes one the standard library may hand to its children."""
    current = multiprocessing.current_process()
    if current.daemon:
        current.daemon = False
    key = current.authkey
    if type(key) is not multiprocessing.process.AuthenticationString:
        current._config["authkey"] = multiprocessing.process.AuthenticationString(key)


def _discard(pool: ProcessPoolExecutor, *, kill: bool = False) -> None:
    """Drops ``pool`` (the next document makes a new one); ``kill`` ends its children now."""
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    if kill:
        # The executor cannot cancel a running task (Python 3.14 adds kill_workers()).
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def pdf_pool_shutdown() -> None:
    """Stops this process's children (tests; the pool also stops at interpreter exit)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None and _pool_pid == os.getpid():
        pool.shutdown(wait=True, cancel_futures=True)


def _forget_after_fork() -> None:
    # The forked child inherits the object but not its manager thread or its children, and
    # maybe the lock held by a thread that does not exist there.
    global _pool, _lock
    _pool = None
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
