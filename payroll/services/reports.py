"""What Consultas shows of a bulk payment: each row with its own fate (Consultas →
Beneficiarios), registered with the enterprise queries like the transfers' rows."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext, ngettext

from enterprise.models import ApprovalOrder
from enterprise.selectors.queries import BeneficiaryRow, beneficiaries, mask, order_state
from transfers.models import Transfer

from ..models import PayrollRow
from .batches import PAYROLL_KIND

Payment = PayrollRow.Payment


def row_state(row: PayrollRow, order: ApprovalOrder) -> tuple[str, str]:
    """PENDIENTE while the order waits (or its state if it never executed); PAGADO; for other
    banks the transfer's own state, DEVUELTO with the receiving bank's reason."""
    if row.payment in (Payment.NONE, "") or row.order_id != order.pk:
        return order_state(order)
    if row.payment == Payment.SENT and row.transfer is not None:
        transfer = row.transfer
        if transfer.status == Transfer.Status.RETURNED:
            return str(Payment.RETURNED.label), transfer.return_reason
        if transfer.status in (Transfer.Status.DONE, Transfer.Status.CREDITED):
            return str(Payment.PAID.label), ""
        return transfer.get_status_display(), ""
    if row.payment == Payment.PENDING and order.status != ApprovalOrder.Status.EXECUTED:
        return order_state(order)
    return row.get_payment_display(), row.payment_reason


@beneficiaries(PAYROLL_KIND)
def order_rows(order: ApprovalOrder) -> list[BeneficiaryRow]:
    rows = PayrollRow.objects.filter(order=order).select_related("institution", "transfer")
    if not rows.exists():
        # A closed order gave its rows back; the payload still says how many there were.
        status, reason = order_state(order)
        count = order.payload.get("rows", 0)
        return [
            BeneficiaryRow(
                identification="",
                name=ngettext("%(n)s fila de la nómina", "%(n)s filas de la nómina", count)
                % {"n": count},
                account="",
                institution="",
                amount=order.amount,
                status=status,
                reason=reason,
            )
        ]
    result = []
    for row in rows.order_by("line"):
        status, reason = row_state(row, order)
        result.append(
            BeneficiaryRow(
                identification=row.identification,
                name=row.name,
                account=mask(row.account_number),
                institution=row.institution.name if row.institution else "Cooprogreso",
                amount=row.amount,
                status=status,
                reason=reason,
            )
        )
    return result


# --- The company's summary of a bulk payment ---------------------------------------------------


def _summary_headers() -> list[str]:
    return [
        gettext("Fila"),
        gettext("Identificación"),
        gettext("Nombres"),
        gettext("# Cuenta"),
        gettext("Institución"),
        gettext("Monto"),
        gettext("Estado"),
        gettext("Motivo"),
    ]


def summary_lines(order: ApprovalOrder):
    """(row, state, reason) for every row of the order, streamed in line order."""
    rows = (
        PayrollRow.objects.filter(order=order)
        .select_related("institution", "transfer")
        .order_by("line")
    )
    for row in rows.iterator(chunk_size=2000):
        status, reason = row_state(row, order)
        yield row, status, reason


def summary_xlsx(order: ApprovalOrder) -> bytes:
    from openpyxl import Workbook

    from common.spreadsheets import money_cell, text_cell, workbook_bytes

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("Pago masivo"))
    sheet.append([text_cell(sheet, gettext("Resumen de pago masivo N.º %(n)s") % {"n": order.pk})])
    sheet.append([text_cell(sheet, order.company.name)])
    sheet.append([text_cell(sheet, order.concept)])
    sheet.append([])
    sheet.append([text_cell(sheet, header) for header in _summary_headers()])
    total = Decimal("0.00")
    for row, status, reason in summary_lines(order):
        sheet.append(
            [
                row.line,
                text_cell(sheet, row.identification),
                text_cell(sheet, row.name),
                text_cell(sheet, mask(row.account_number)),
                text_cell(sheet, row.institution.name if row.institution else "Cooprogreso"),
                money_cell(sheet, row.amount),
                text_cell(sheet, status),
                text_cell(sheet, reason),
            ]
        )
        total += row.amount
    sheet.append([])
    sheet.append(
        [text_cell(sheet, gettext("Total")), None, None, None, None, money_cell(sheet, total)]
    )
    return workbook_bytes(workbook)


def summary_pdf(order: ApprovalOrder) -> bytes:
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.utils import timezone

    from common.pdf import pdf_from_html

    lines = list(summary_lines(order))
    html = render_to_string(
        "payroll/summary_pdf.html",
        {
            "order": order,
            "lines": lines,
            "total": sum((row.amount for row, _s, _r in lines), start=Decimal("0.00")),
            "generated_at": timezone.now(),
            "cooperative": settings.COOPERATIVE,
        },
    )
    return pdf_from_html(html)
