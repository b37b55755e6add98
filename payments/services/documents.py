"""What «Historial de pagos» downloads: the filtered list as XLSX and as PDF."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import Workbook

from common.pdf import pdf_from_html
from common.spreadsheets import column_widths, datetime_cell, money_cell, text_cell, workbook_bytes

from ..models import Payment


def history_xlsx(*, payments: Iterable[Payment], date_from: date, date_to: date) -> bytes:
    """The rows as the page lists them: dates as date cells and totals as numbers."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("Historial de pagos"))
    column_widths(sheet, [16, 14, 17, 36, 30, 12, 12, 12, 14, 14, 16])
    sheet.append([text_cell(sheet, gettext("Historial de pagos"))])
    sheet.append(
        [
            text_cell(sheet, gettext("Desde")),
            datetime_cell(sheet, date_from),
            text_cell(sheet, gettext("Hasta")),
            datetime_cell(sheet, date_to),
        ]
    )
    sheet.append([])
    heads = (
        gettext("Referencia"),
        gettext("Canal"),
        gettext("Fecha"),
        gettext("Servicio"),
        gettext("Descripción"),
        gettext("Valor"),
        gettext("Comisión"),
        gettext("IVA"),
        gettext("Total"),
        gettext("Estado"),
        gettext("Comprobante"),
    )
    sheet.append([text_cell(sheet, h) for h in heads])
    for p in payments:
        sheet.append(
            [
                text_cell(sheet, p.reference),
                text_cell(sheet, p.get_channel_display()),
                datetime_cell(sheet, p.created_at),
                text_cell(sheet, p.biller.name),
                text_cell(sheet, p.description or p.bill_period),
                money_cell(sheet, p.amount),
                money_cell(sheet, p.fee),
                money_cell(sheet, p.vat),
                money_cell(sheet, p.total),
                text_cell(sheet, p.get_status_display()),
                text_cell(sheet, p.transaction.receipt_number),
            ]
        )
    return workbook_bytes(workbook)


def history_pdf(*, payments: Iterable[Payment], member, date_from: date, date_to: date) -> bytes:
    html = render_to_string(
        "payments/history_pdf.html",
        {
            "payments": payments,
            "member": member,
            "date_from": date_from,
            "date_to": date_to,
            "cooperative": settings.COOPERATIVE,
            "generated_at": timezone.now(),
        },
    )
    return pdf_from_html(html)
