"""Consultas → the beneficiaries of a company's payment orders: the biller a service payment
paid (with its reference and what the biller answered), the biller of a scheduled payment the
order approved, and the card a card payment paid (by its mask). Registered with
``queries.beneficiaries`` by ``EnterpriseConfig.ready``."""

from __future__ import annotations

from payments.models import Biller, Payment, Schedule
from transfers.models import Institution, Transfer
from transfers.services import operations as transfer_operations

from ..models import ApprovalOrder
from .queries import BeneficiaryRow, beneficiaries, order_state, order_transfer

SERVICE_PAYMENT = "PAGO_SERVICIO"
SCHEDULED_PAYMENT = "PAGO_PROGRAMADO"


def _biller(order: ApprovalOrder) -> Biller | None:
    return Biller.objects.filter(pk=order.payload.get("biller")).first()


def _row(order: ApprovalOrder, biller: Biller | None, status: str, reason: str, amount=None):
    return BeneficiaryRow(
        identification="",
        name=biller.name if biller else "",
        account=order.payload.get("reference", ""),
        institution=biller.category.name if biller else "",
        amount=order.amount if amount is None else amount,
        status=str(status),
        reason=reason,
    )


@beneficiaries(SERVICE_PAYMENT)
def _service_payment(order: ApprovalOrder) -> list[BeneficiaryRow]:
    """Paid, in process or failed at the biller once executed; else the order's state."""
    payment_id = (order.result or {}).get("payment")
    payment = None
    if order.status == ApprovalOrder.Status.EXECUTED and payment_id:
        payment = (
            Payment.objects.select_related("biller__category")
            .filter(pk=payment_id, member=order.company.member)
            .first()
        )
    if payment is not None:
        return [
            _row(
                order,
                payment.biller,
                payment.get_status_display(),
                payment.failure_reason,
                payment.amount,
            )
        ]
    status, reason = order_state(order)
    return [_row(order, _biller(order), status, reason)]


@beneficiaries(SCHEDULED_PAYMENT)
def _scheduled_payment(order: ApprovalOrder) -> list[BeneficiaryRow]:
    """The schedule the order approved (its state now), or the order's state."""
    schedule = (
        Schedule.objects.select_related("biller__category")
        .filter(order_reference=order.pk, owner=order.company.member)
        .first()
    )
    if schedule is not None:
        return [_row(order, schedule.biller, schedule.get_status_display(), "")]
    status, reason = order_state(order)
    return [_row(order, _biller(order), status, reason)]


def _card(order: ApprovalOrder) -> list[BeneficiaryRow]:
    """Credited at once (a Cooprogreso card) or through the SPI (sent, credited, returned)."""
    transfer = order_transfer(order)
    if transfer is not None:
        status = (
            Transfer.Status.CREDITED.label
            if transfer.status == Transfer.Status.DONE
            else transfer.get_status_display()
        )
        return [
            BeneficiaryRow(
                identification=transfer.to_identification,
                name=transfer.to_name,
                account=transfer.to_account_number,
                institution=transfer.institution.name if transfer.institution else "",
                amount=transfer.amount,
                status=str(status),
                reason=transfer.return_reason,
            )
        ]
    card = order.payload.get("card", {})
    institution = Institution.objects.filter(code=card.get("institution", "")).first()
    status, reason = order_state(order)
    return [
        BeneficiaryRow(
            identification=card.get("identification", ""),
            name=card.get("name", ""),
            account=card.get("masked", ""),
            institution=institution.name if institution else card.get("institution", ""),
            amount=order.amount,
            status=str(status),
            reason=reason,
        )
    ]


beneficiaries(transfer_operations.CARD_OWN.code)(_card)
beneficiaries(transfer_operations.CARD_INTERBANK.code)(_card)
