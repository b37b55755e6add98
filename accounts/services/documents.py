"""Documents a member downloads: movements (PDF, XLSX), monthly statements and receipts (PDF)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import Workbook

from common.pdf import pdf_from_html
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


def movements_pdf(
    *, account: Account, entries: Iterable[Entry], date_from: date, date_to: date
) -> bytes:
    html = render_to_string(
        "accounts/pdf/movements.html",
        {
            "account": account,
            "entries": entries,
            "date_from": date_from,
            "date_to": date_to,
            "cooperative": settings.COOPERATIVE,
            "generated_at": timezone.now(),
        },
    )
    return pdf_from_html(html)


def month_bounds(first: date) -> tuple[date, date]:
    next_month = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, next_month - timedelta(days=1)


def statement_context(*, account: Account, month: date) -> dict:
    first, last = month_bounds(month)
    start, _end = local_day_bounds(first, last)
    opening = opening_balance(account=account, before=start)
    entries = list(
        movement_list(account=account, date_from=first, date_to=last, newest_first=False)
    )
    debits = sum((-e.amount for e in entries if e.amount < 0), start=opening * 0)
    credits = sum((e.amount for e in entries if e.amount > 0), start=opening * 0)
    closing = entries[-1].balance_after if entries else opening
    return {
        "account": account,
        "owner": account.owner,
        "first": first,
        "last": last,
        "opening": opening,
        "closing": closing,
        "entries": entries,
        "total_debits": debits,
        "total_credits": credits,
        "cooperative": settings.COOPERATIVE,
        "generated_at": timezone.now(),
    }


def statement_pdf(context: dict) -> bytes:
    return pdf_from_html(render_to_string("accounts/pdf/statement.html", context))


def receipt_pdf(context: dict) -> bytes:
    return pdf_from_html(render_to_string("accounts/pdf/receipt.html", context))
