"""Writing spreadsheets people open in Excel or LibreOffice without being attacked by them.

Text typed by a person (a concept, a payee's name) can start with "=" and become a formula —
or a DDE payload — when the file is opened (OWASP "CSV injection"). Every text cell goes
through ``safe_cell``; amounts go as numbers (``money_cell``) and dates as dates
(``datetime_cell``), never as text, so that a sheet sorts and adds them.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

# A cell whose text starts with one of these is read as a formula (or a DDE payload).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
MONEY_FORMAT = "#,##0.00"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
DATE_FORMAT = "dd/mm/yyyy"


def safe_cell(value) -> str:
    """The text to write for ``value``: a single quote in front when it would start a formula,
    and without the control characters an XLSX file cannot hold."""
    if value is None:
        return ""
    raw = str(value)
    text = ILLEGAL_CHARACTERS_RE.sub("", raw)
    if raw.startswith(FORMULA_TRIGGERS) or text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def text_cell(sheet, value) -> WriteOnlyCell:
    """A string cell of a write-only sheet; never a formula, whatever the text."""
    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    cell.data_type = "s"
    return cell


def money_cell(sheet, value: Decimal | None) -> WriteOnlyCell:
    """A number shown as ``1,234.56`` (Decimal keeps its cents: openpyxl writes its digits)."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = MONEY_FORMAT
    return cell


def datetime_cell(sheet, value: datetime | date | None) -> WriteOnlyCell:
    """A real date cell (sortable), in local time: spreadsheets know no time zones. A date
    shows as ``24/01/2026``, a date and time as ``24/01/2026 09:58``."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value).replace(tzinfo=None)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    return cell


def column_widths(sheet, widths: list[float]) -> None:
    """Widths of the first columns, in characters; a write-only sheet takes them before its
    first row. A date and time needs 16, or the spreadsheet shows "#####" instead."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
