"""Documents a member downloads: movements (PDF, XLSX), monthly statements and receipts (PDF)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from itertools import islice

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import Workbook

from common.pdf import pdf_from_html, pdf_from_parts
from common.spreadsheets import (
    column_widths,
    datetime_cell,
    money_cell,
    text_cell,
    workbook_bytes,
)

from ..models import Account, Entry
from ..selectors import local_day_bounds, movement_list, opening_balance


def movements_xlsx(
    *, account: Account, entries: Iterable[Entry], date_from: date, date_to: date
) -> bytes:
    """The movements as the page lists them: the same type (``Entry.note_type``), dates as
    date cells and amounts as numbers, so the sheet sorts and adds them."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("Movimientos"))
    column_widths(sheet, [12, 17, 18, 45, 14, 14, 14])
    account_line = gettext("Cuenta %(number)s - %(product)s") % {
        "number": account.number,
        "product": account.get_product_display(),
    }
    sheet.append([text_cell(sheet, account_line)])
    sheet.append(
        [
            text_cell(sheet, gettext("Desde")),
            datetime_cell(sheet, date_from),
            text_cell(sheet, gettext("Hasta")),
            datetime_cell(sheet, date_to),
        ]
    )
    sheet.append([])
    sheet.append(
        [
            text_cell(sheet, h)
            for h in (
                gettext("Referencia"),
                gettext("Fecha"),
                gettext("Tipo"),
                gettext("Concepto"),
                gettext("Débitos"),
                gettext("Créditos"),
                gettext("Saldo"),
            )
        ]
    )
    zero = Decimal("0.00")
    for entry in entries:
        sheet.append(
            [
                text_cell(sheet, entry.transaction.receipt_number),
                datetime_cell(sheet, entry.posted_at),
                text_cell(sheet, entry.note_type),
                text_cell(sheet, entry.description),
                money_cell(sheet, -entry.amount if entry.amount < 0 else zero),
                money_cell(sheet, entry.amount if entry.amount > 0 else zero),
                money_cell(sheet, entry.balance_after),
            ]
        )
    return workbook_bytes(workbook)


# Called as rows are rendered: (rows done, rows in all). An export job shows it as progress.
Progress = Callable[[int, int], None]


def movements_pdf(
    *,
    account: Account,
    entries: Iterable[Entry],
    date_from: date,
    date_to: date,
    rows: int | None = None,
    progress: Progress | None = None,
) -> bytes:
    """The movements as a PDF. ``entries`` may be an iterator (``QuerySet.iterator``) when
    ``rows`` says how many it yields: a long list is rendered in parts and never held whole."""
    if rows is None:
        entries = list(entries)
        rows = len(entries)
    context = {
        "account": account,
        "date_from": date_from,
        "date_to": date_to,
        "cooperative": settings.COOPERATIVE,
        "generated_at": timezone.now(),
    }
    return _table_pdf("accounts/pdf/movements.html", context, entries, rows=rows, progress=progress)


def month_bounds(first: date) -> tuple[date, date]:
    next_month = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, next_month - timedelta(days=1)


def _statement_rows(*, account: Account, month: date) -> QuerySet[Entry]:
    first, last = month_bounds(month)
    return movement_list(account=account, date_from=first, date_to=last, newest_first=False)


def statement_head(*, account: Account, month: date) -> dict:
    """Everything a statement shows but its rows: the sums come from the database, so a month
    of any length costs two queries here, not its rows in memory."""
    first, last = month_bounds(month)
    start, _end = local_day_bounds(first, last)
    opening = opening_balance(account=account, before=start)
    entries = _statement_rows(account=account, month=month)
    zero = Decimal("0.00")
    sums = entries.aggregate(
        rows=Count("pk"),
        debits=Sum("amount", filter=Q(amount__lt=0), default=zero),
        credits=Sum("amount", filter=Q(amount__gt=0), default=zero),
    )
    closing = entries.reverse().values_list("balance_after", flat=True).first()
    return {
        "account": account,
        "owner": account.owner,
        "first": first,
        "last": last,
        "opening": opening,
        "closing": opening if closing is None else closing,
        "rows": sums["rows"],
        "total_debits": -sums["debits"],
        "total_credits": sums["credits"],
        "cooperative": settings.COOPERATIVE,
        "generated_at": timezone.now(),
    }


def statement_context(*, account: Account, month: date) -> dict:
    context = statement_head(account=account, month=month)
    context["entries"] = list(_statement_rows(account=account, month=month))
    return context


def statement_pdf(context: dict) -> bytes:
    entries = context["entries"]
    return _table_pdf("accounts/pdf/statement.html", context, entries, rows=len(entries))


def statement_pdf_streamed(
    *, account: Account, month: date, progress: Progress | None = None
) -> bytes:
    """The statement of a month of any length (an export job's): its rows are read from the
    database and rendered ``PDF_CHUNK_ROWS`` at a time."""
    context = statement_head(account=account, month=month)
    # The statement shows the transaction's id only: no join.
    entries = _statement_rows(account=account, month=month).select_related(None)
    return _table_pdf(
        "accounts/pdf/statement.html",
        context,
        entries.iterator(chunk_size=2000),
        rows=context["rows"],
        progress=progress,
    )


def receipt_pdf(context: dict) -> bytes:
    return pdf_from_html(render_to_string("accounts/pdf/receipt.html", context))


def _table_pdf(
    template: str,
    context: dict,
    entries: Iterable[Entry],
    *,
    rows: int,
    progress: Progress | None = None,
) -> bytes:
    """``template`` with ``entries`` as its rows. Laying a table out costs WeasyPrint about
    120 MB per 1,000 rows until the document is done, so more than ``PDF_CHUNK_ROWS`` rows are
    rendered in parts (the head on the first, the totals on the last, each part from a new
    page) and joined, numbered across the whole (``common.pdf.pdf_from_parts``)."""
    size = max(int(getattr(settings, "PDF_CHUNK_ROWS", 500)), 1)
    if progress:
        progress(0, rows)
    if rows <= size:
        return pdf_from_html(render_to_string(template, context | {"entries": list(entries)}))
    parts = _table_parts(template, context, entries, rows=rows, size=size, progress=progress)
    return pdf_from_parts(parts, page_style=_page_numbers)


def _table_parts(template, context, entries, *, rows, size, progress) -> Iterator[str]:
    done = 0
    for chunk, more in _chunks(iter(entries), size):
        yield render_to_string(
            template,
            context
            | {
                "entries": chunk,
                "pdf_numbered_later": True,
                "pdf_continued": done > 0,
                "pdf_continues": more,
            },
        )
        done += len(chunk)
        if progress:
            progress(done, max(rows, done))


def _chunks(entries: Iterator[Entry], size: int) -> Iterator[tuple[list[Entry], bool]]:
    """Lists of ``size`` entries, each with whether another follows (the last part carries the
    totals, whatever the count said)."""
    chunk = list(islice(entries, size))
    while chunk:
        following = list(islice(entries, size))
        yield chunk, bool(following)
        chunk = following


def _page_numbers(first: int, total: int) -> str:
    return render_to_string(
        "accounts/pdf/_style.html", {"pdf_first_page": first, "pdf_total_pages": total}
    )
