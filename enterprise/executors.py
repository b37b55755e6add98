"""What an approved order runs: the transfer services members use, with the order's hold."""

from __future__ import annotations

from decimal import Decimal

from accounts.models import Account, Channel
from transfers.models import Institution
from transfers.services.orders import (
    Order,
    Payee,
    interbank_transfer,
    member_transfer,
    own_transfer,
)

from .approvals import executor
from .payees import payee_check

TRANSFER_OWN = "TRANSF_PROPIA"
TRANSFER_MEMBER = "TRANSF_COOPROGRESO"
TRANSFER_INTERBANK = "TRANSF_INTERBANCARIA"


def payee_check_for(*, kind: str, payload: dict, member, amount: Decimal) -> None:
    """The payee rules (``payees.payee_check``) for the payee an order's payload names."""
    if kind == TRANSFER_OWN:
        return
    if kind == TRANSFER_INTERBANK:
        number = payload["payee"]["account_number"]
        institution = payload["payee"]["institution"]
    else:
        number = Account.objects.get(pk=payload["destination"]).number
        institution = None
    payee_check(
        member=member,
        amount=amount,
        beneficiary_id=payload.get("beneficiary"),
        account_number=number,
        institution_code=institution,
    )


def _order(order, holds) -> Order:
    payee_check_for(
        kind=order.kind, payload=order.payload, member=order.company.member, amount=order.amount
    )
    return Order(
        user=order.created_by,
        member=order.company.member,
        origin=Account.objects.get(pk=order.payload["origin"]),
        amount=Decimal(order.payload["amount"]),
        memo=order.payload.get("memo", ""),
        # One order, one transfer: executing it again returns the first one.
        idempotency_key=f"order-{order.pk}",
        channel=Channel.ENTERPRISE,
        funds_origin=order.payload.get("funds_origin", ""),
        funds_purpose=order.payload.get("funds_purpose", ""),
        holds=holds,
    )


def _result(transfer) -> dict:
    return {"transfer": transfer.pk, "receipt": transfer.transaction.receipt_number}


@executor(TRANSFER_OWN)
def run_own(order, user, holds):
    destination = Account.objects.get(pk=order.payload["destination"])
    return _result(own_transfer(order=_order(order, holds), destination=destination))


@executor(TRANSFER_MEMBER)
def run_member(order, user, holds):
    destination = Account.objects.get(pk=order.payload["destination"])
    return _result(
        member_transfer(
            order=_order(order, holds),
            destination=destination,
            email=order.payload.get("email", ""),
        )
    )


@executor(TRANSFER_INTERBANK)
def run_interbank(order, user, holds):
    payee = dict(order.payload["payee"])
    payee["institution"] = Institution.objects.get(code=payee["institution"])
    return _result(interbank_transfer(order=_order(order, holds), payee=Payee(**payee)))
