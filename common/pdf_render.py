"""What the PDF child process runs: WeasyPrint and pypdf, and nothing of Django.

``common.pdf`` sends these functions to a pool of child processes (or calls them in-process
when ``PDF_RENDER_PROCESSES`` is 0). They take and return plain values (strings, bytes, ints),
so a child never sets Django up: a spawned child imports this module and WeasyPrint, no more.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import threading


def child_start() -> None:
    """The pool's initializer, once in every new child."""
    # Ctrl-C in a terminal reaches the whole process group: the worker that owns the pool
    # decides when its children stop, not the keyboard.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    # Pango, fontconfig and the fonts load on a child's first document: pay for it here, while
    # the child waits for work (a replacement child starts as soon as the old one leaves).
    render('<p style="font-family: DejaVu Sans">0 <b>0</b></p>', "")


def _exit_with_parent() -> None:
    """A worker killed outright (gunicorn's timeout, the OOM killer) cannot shut its pool down:
    its child would wait for work forever. The child watches the pipe from its parent, which
    closes only when the parent is gone, and leaves then."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(0)

    threading.Thread(target=watch, name="pdf-parent-watch", daemon=True).start()


def render(html: str, base_url: str) -> bytes:
    from weasyprint import HTML  # late: the worker that owns the pool never loads Pango

    return HTML(string=html, base_url=base_url).write_pdf()


def render_counted(html: str, base_url: str) -> tuple[bytes, int]:
    """The PDF and its number of pages (a part of a longer document)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=base_url).render()
    return document.write_pdf(), len(document.pages)


def stamp(pdf: bytes, overlay_html: str, base_url: str) -> bytes:
    """Draws page ``i`` of ``overlay_html`` over page ``i`` of ``pdf`` (the page numbers of a
    document rendered in parts: only the whole knows its number of pages)."""
    from pypdf import PdfReader, PdfWriter

    overlay = PdfReader(io.BytesIO(render(overlay_html, base_url)))
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    if len(overlay.pages) != len(writer.pages):
        raise ValueError(f"{len(overlay.pages)} numbered pages for {len(writer.pages)} pages")
    for page, numbers in zip(writer.pages, overlay.pages, strict=True):
        page.merge_page(numbers)
        # merge_page leaves the combined content uncompressed: ten times the bytes.
        page.compress_content_streams()
    return _bytes(writer)


def join(parts: list[bytes]) -> bytes:
    """The parts' pages, in order, as one PDF."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        reader = PdfReader(io.BytesIO(part))
        writer.pdf_header = max(writer.pdf_header, reader.pdf_header)  # pypdf says 1.3
        writer.append(reader)
    return _bytes(writer)


def _bytes(writer) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
