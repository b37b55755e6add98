"""What Consultas shows of a bulk payment: each row with its own fate (Consultas →
Beneficiarios), registered with the enterprise queries like the transfers' rows."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from enterprise.kinds import KIND_LABELS
from enterprise.models import ApprovalOrder
from enterprise.queries import BeneficiaryRow, beneficiaries, mask, order_state
from transfers.models import Transfer

from .models import PayrollRow
from .services import PAYROLL_KIND

KIND_LABELS[PAYROLL_KIND] = _("Pago masivo")

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
        return [
            BeneficiaryRow(
                identification="",
                name=gettext("%(n)s filas de la nómina") % {"n": order.payload.get("rows", 0)},
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
