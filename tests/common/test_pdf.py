"""PDFs are rendered in a child process that is replaced after PDF_MAX_TASKS_PER_CHILD documents,
so what WeasyPrint keeps of each document never piles up in a web or Celery worker."""

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from common import pdf
from common.pdf import PdfError, pdf_from_html, pdf_from_parts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_pool(settings):
    """Each test starts its own pool (its settings are read when the pool is made)."""
    settings.PDF_RENDER_PROCESSES = 1
    pdf.pdf_pool_shutdown()
    yield
    pdf.pdf_pool_shutdown()


def text(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def child_pid() -> int:
    return pdf._run(os.getpid)


def running(pid: int) -> bool:
    """Alive and not a zombie (a dead child the pool has not reaped yet has left all the same)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not running(pid):
            return True
        time.sleep(0.05)
    return False


def test_the_pool_renders_a_pdf_in_another_process():
    content = pdf_from_html("<p>Comprobante N.º 00000042</p>")
    assert content.startswith(b"%PDF")
    assert "Comprobante N.º 00000042" in text(content)[0]
    assert child_pid() != os.getpid()


def test_a_child_is_replaced_after_its_quota_of_documents(settings):
    settings.PDF_MAX_TASKS_PER_CHILD = 2
    pids = [child_pid() for _ in range(5)]
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]
    assert len(set(pids)) == 3
    assert gone(pids[0]) and gone(pids[2])  # the old children left, they are not idle
    assert pdf_from_html("<p>después</p>").startswith(b"%PDF")


def test_zero_processes_renders_in_the_process_itself(settings):
    settings.PDF_RENDER_PROCESSES = 0
    assert child_pid() == os.getpid()
    assert pdf_from_html("<p>aquí</p>").startswith(b"%PDF")


def test_a_document_past_the_timeout_fails_and_its_child_is_killed(settings):
    stuck = child_pid()  # started (and warmed up) under the usual timeout
    settings.PDF_RENDER_TIMEOUT = 0.5
    started = time.monotonic()
    with pytest.raises(PdfError, match="tardó demasiado"):
        pdf._run(time.sleep, 30)
    assert time.monotonic() - started < 5
    assert gone(stuck)
    settings.PDF_RENDER_TIMEOUT = 45
    assert pdf_from_html("<p>otra vez</p>").startswith(b"%PDF")


def test_a_child_that_dies_while_rendering_gives_a_clear_error():
    with pytest.raises(PdfError, match="No pudimos generar el documento"):
        pdf._run(os._exit, 3)
    assert pdf_from_html("<p>sigue</p>").startswith(b"%PDF")


def test_a_child_killed_while_idle_costs_the_next_document_nothing():
    idle = child_pid()
    os.kill(idle, signal.SIGKILL)
    assert gone(idle)
    time.sleep(0.2)  # let the pool notice
    assert pdf_from_html("<p>nuevo hijo</p>").startswith(b"%PDF")
    assert child_pid() != idle


def test_the_child_leaves_when_its_worker_is_killed(tmp_path):
    """A worker killed outright (gunicorn's timeout) cannot stop its pool: the child must not
    stay behind, waiting for work forever."""
    script = tmp_path / "worker.py"
    script.write_text(
        textwrap.dedent(
            """
            import os, time

            if __name__ == "__main__":
                import django

                django.setup()
                from common import pdf

                print(pdf._run(os.getpid), flush=True)
                time.sleep(60)
            """
        )
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "cooperativa.settings", "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        child = int(worker.stdout.readline())
        assert running(child)  # alive while its worker is
        worker.kill()
        worker.wait()
        assert gone(child)
    finally:
        if worker.poll() is None:
            worker.kill()


def test_parts_are_joined_and_numbered_across_the_whole():
    style = (
        "<style>@page { size: A6; @bottom-right { content: 'Página ' counter(page) ' de %s'; } }"
        "@page :first { counter-reset: page %s; }</style>"
    )
    parts = [
        "<p>uno</p>",
        '<p>dos</p><p style="break-before: page">tres</p>',
        "<p>cuatro</p>",
    ]
    content = pdf_from_parts(parts, page_style=lambda first, total: style % (total, first))
    pages = text(content)
    assert len(pages) == 4
    for number, (page, word) in enumerate(
        zip(pages, ["uno", "dos", "tres", "cuatro"], strict=True), 1
    ):
        assert word in page
        assert f"Página {number} de 4" in page
