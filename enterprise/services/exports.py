"""Downloads of Consultas → Transacciones generales (the current filter as XLSX or PDF) and of
Auditoría (XLSX)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext, ngettext
from openpyxl import Workbook

from common.pdf import pdf_from_html
from common.spreadsheets import (
    column_widths,
    datetime_cell,
    money_cell,
    text_cell,
    workbook_bytes,
)

from ..selectors.audit import AuditEntry
from ..selectors.queries import OrderLine


def _headers() -> list[str]:
    return [
        gettext("N.º"),
        gettext("Cuenta de origen"),
        gettext("Fecha de creación"),
        gettext("Fecha de autorización"),
        gettext("Monto"),
        gettext("Tipo"),
        gettext("Concepto"),
        gettext("Estado"),
    ]


def orders_xlsx(
    *,
    company: str,
    description: str,
    generated_at: datetime,
    lines: Iterable[OrderLine],
) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("Transacciones"))
    column_widths(sheet, [17, 20, 17, 17, 14, 24, 40, 16])
    sheet.append([text_cell(sheet, gettext("Transacciones generales"))])
    sheet.append([text_cell(sheet, company)])
    sheet.append([text_cell(sheet, description)])
    sheet.append([text_cell(sheet, gettext("Generado el")), datetime_cell(sheet, generated_at)])
    sheet.append([])
    sheet.append([text_cell(sheet, header) for header in _headers()])
    total, count = Decimal("0.00"), 0
    for line in lines:
        sheet.append(
            [
                line.pk,
                text_cell(sheet, line.account),
                datetime_cell(sheet, line.created_at),
                datetime_cell(sheet, line.authorized_at),
                money_cell(sheet, line.amount),
                text_cell(sheet, line.kind),
                text_cell(sheet, line.concept),
                text_cell(sheet, line.status),
            ]
        )
        total += line.amount
        count += 1
    sheet.append([])
    sheet.append(
        [
            text_cell(sheet, gettext("Total")),
            text_cell(
                sheet,
                ngettext("%(count)s operación", "%(count)s operaciones", count) % {"count": count},
            ),
            None,
            None,
            money_cell(sheet, total),
        ]
    )
    return workbook_bytes(workbook)


def orders_pdf(
    *,
    company: str,
    description: str,
    generated_at: datetime,
    lines: Iterable[OrderLine],
) -> bytes:
    lines = list(lines)
    html = render_to_string(
        "enterprise/queries/pdf.html",
        {
            "company": company,
            "description": description,
            "generated_at": generated_at,
            "lines": lines,
            "total": sum((line.amount for line in lines), start=Decimal("0.00")),
            "cooperative": settings.COOPERATIVE,
        },
    )
    return pdf_from_html(html)


# --- Auditoría -----------------------------------------------------------------------------------


def _audit_headers() -> list[str]:
    return [
        gettext("Fecha"),
        gettext("Tipo de acción"),
        gettext("Acción"),
        gettext("Usuario"),
        gettext("Monto"),
        gettext("Detalle"),
        gettext("Motivo"),
    ]


def audit_xlsx(
    *,
    company: str,
    description: str,
    generated_at: datetime,
    entries: Iterable[AuditEntry],
) -> bytes:
    """The company's audit records as the page shows them, one per row: the date a real date,
    an order's amount a number, the action in words (never its code)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("Auditoría"))
    column_widths(sheet, [17, 26, 60, 28, 14, 60, 40])
    sheet.append([text_cell(sheet, gettext("Auditoría"))])
    sheet.append([text_cell(sheet, company)])
    sheet.append([text_cell(sheet, description)])
    sheet.append([text_cell(sheet, gettext("Generado el")), datetime_cell(sheet, generated_at)])
    sheet.append([])
    sheet.append([text_cell(sheet, header) for header in _audit_headers()])
    count = 0
    for entry in entries:
        sheet.append(
            [
                datetime_cell(sheet, entry.at),
                text_cell(sheet, entry.action),
                text_cell(sheet, entry.description),
                text_cell(sheet, entry.actor),
                money_cell(sheet, entry.amount),
                text_cell(sheet, "; ".join(entry.details)),
                text_cell(sheet, entry.reason),
            ]
        )
        count += 1
    sheet.append([])
    sheet.append(
        [
            text_cell(
                sheet,
                ngettext("%(count)s registro", "%(count)s registros", count) % {"count": count},
            )
        ]
    )
    return workbook_bytes(workbook)
