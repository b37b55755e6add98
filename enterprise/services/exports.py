"""Downloads of Consultas → Transacciones generales: the current filter as XLSX or PDF."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext
from openpyxl import Workbook

from common.formatting import datetime_short
from common.pdf import pdf_from_html
from common.spreadsheets import datetime_cell, money_cell, text_cell, workbook_bytes

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
    sheet.append([text_cell(sheet, gettext("Transacciones generales"))])
    sheet.append([text_cell(sheet, company)])
    sheet.append([text_cell(sheet, description)])
    sheet.append(
        [
            text_cell(
                sheet,
                gettext("Generado el %(at)s") % {"at": datetime_short(generated_at)},
            )
        ]
    )
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
                gettext("%(count)s operaciones") % {"count": count},
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
