"""Figure 2: a 1,000-movement statement PDF through the project's code, beside WeasyPrint
rendering the same rows as a plain, CSS-free HTML table."""

from __future__ import annotations

import gc
import io
import time
from dataclasses import dataclass
from html import escape

RUNS = 2


@dataclass
class StatementResult:
    project_s: float
    plain_s: float
    rows: int
    project_pages: int | None
    plain_pages: int | None
    context_s: float  # statement_context's share of the best project run (queries)
    project_runs: list[float]
    plain_runs: list[float]


def pdf_pages(pdf: bytes) -> int | None:
    """Page count, for the progress line only (pypdf is a dev dependency)."""
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _num(value) -> str:
    return f"{value:,.2f}"


def plain_html(entries, tz) -> str:
    """The same rows and columns as the statement, with no CSS at all (built once, no Django)."""
    rows = [
        "<tr><th>Fecha</th><th>Nro.Doc</th><th>Descripción</th><th>Débito</th><th>Crédito</th>"
        "<th>Saldo</th></tr>"
    ]
    for e in entries:
        day = e.posted_at.astimezone(tz)
        rows.append(
            f"<tr><td>{day:%d/%m/%Y}</td><td>{e.transaction_id:08d}</td>"
            f"<td>{escape(e.description)}</td>"
            f"<td>{_num(-e.amount) if e.amount < 0 else ''}</td>"
            f"<td>{_num(e.amount) if e.amount > 0 else ''}</td>"
            f"<td>{_num(e.balance_after)}</td></tr>"
        )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><table>'
        + "".join(rows)
        + "</table></body></html>"
    )


def run(*, account_id: int, month, log) -> StatementResult:
    from django.utils import timezone
    from weasyprint import HTML

    from accounts.models import Account
    from accounts.services.documents import statement_context, statement_pdf

    account = Account.objects.select_related("owner").get(pk=account_id)
    # Warm-up outside the timings: Pango, fontconfig and WeasyPrint's user-agent stylesheet load
    # on the first document of the process, whichever side would render first.
    HTML(
        string='<p>warm-up <b>up</b></p><p style="font-family: DejaVu Sans">warm-up <b>up</b></p>'
    ).write_pdf()

    ctx = statement_context(account=account, month=month)
    rows = len(ctx["entries"])
    html = plain_html(ctx["entries"], timezone.get_current_timezone())

    project_runs, plain_runs, context_runs = [], [], []
    project_pdf = plain_pdf = b""

    def plain_once() -> None:
        nonlocal plain_pdf
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        plain_pdf = HTML(string=html).write_pdf()
        plain_runs.append(time.perf_counter() - t0)
        log(
            f"  plain table run {len(plain_runs)}: {plain_runs[-1]:.2f} s "
            f"(cpu {time.process_time() - c0:.2f} s)"
        )

    def project_once() -> None:
        nonlocal project_pdf
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        ctx = statement_context(account=account, month=month)
        t1 = time.perf_counter()
        project_pdf = statement_pdf(ctx)
        project_runs.append(time.perf_counter() - t0)
        context_runs.append(t1 - t0)
        log(
            f"  project     run {len(project_runs)}: {project_runs[-1]:.2f} s "
            f"(cpu {time.process_time() - c0:.2f} s; statement_context {t1 - t0:.3f} s)"
        )

    # A B B A ...: a slow drift of the machine's load weighs on both sides alike. A full
    # collection before each run (untimed): otherwise the previous document's garbage is
    # collected during the next run and slows whichever side comes later.
    for i in range(RUNS):
        for side in (plain_once, project_once) if i % 2 == 0 else (project_once, plain_once):
            side()
    best = min(range(RUNS), key=project_runs.__getitem__)
    return StatementResult(
        project_s=project_runs[best],
        plain_s=min(plain_runs),
        rows=rows,
        project_pages=pdf_pages(project_pdf),
        plain_pages=pdf_pages(plain_pdf),
        context_s=context_runs[best],
        project_runs=project_runs,
        plain_runs=plain_runs,
    )
