"""The bill payment as an operation (``accounts.registries.operations``): its typed payload,
the service it runs, its label, its amount bands and what it holds. ``PaymentsConfig.ready``
registers it; a member's confirmed payment executes at once, a company's becomes an approval
order (the enterprise app's channel) that runs the same ``execute`` once it is signed.

A payment whose biller has not answered yet is still an executed operation: its result says
``"status": "PENDIENTE"`` and the receipt shows «Pago en proceso». A payment the biller
rejected (or a biller that is down) is a refusal: the money went back, the person is told why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from accounts.registries.operations import (
    Context,
    OperationSpec,
    Outcome,
    Payload,
    operation_submit,
)
from accounts.registries.scopes import audit_scope_of
from common.refusal import Refusal
from identity.services.audit import audit_record

from ..models import Biller, Payment, SavedService
from .bills import PaymentOrder, bill_pay
from .errors import PaymentError
from .fees import bill_charges
from .gateway import Bill

#: The amount bands a company sets for card and service payments (``Operation.PAYMENT``).
BAND = "PAGO"


@dataclass(frozen=True, kw_only=True)
class BillPaymentPayload(Payload):
    biller: int
    reference: str
    #: every reference field as typed ({name: value})
    fields: dict
    bill_number: str = ""
    bill_period: str = ""
    #: ISO date, empty when the bill has none
    bill_due_on: str = ""
    description: str = ""
    #: the bill's amount as the inquiry said (the amount rule is checked against it again)
    bill_amount: Decimal | None = None


def _biller(pk: int) -> Biller:
    biller = Biller.objects.select_related("category").filter(pk=pk).first()
    if biller is None:
        raise PaymentError(gettext("Este servicio no está disponible."), field="biller")
    return biller


def _account(pk: int) -> Account:
    account = Account.objects.select_related("owner").filter(pk=pk).first()
    if account is None:
        raise PaymentError(gettext("La cuenta ya no existe."), field="origin")
    return account


def _bill(payload: BillPaymentPayload) -> Bill | None:
    if not payload.bill_number:
        return None
    return Bill(
        number=payload.bill_number,
        period=payload.bill_period,
        amount=payload.bill_amount if payload.bill_amount is not None else payload.amount,
        due_on=date.fromisoformat(payload.bill_due_on) if payload.bill_due_on else None,
        description=payload.description,
    )


def payment_order_of(payload: BillPaymentPayload, context: Context) -> PaymentOrder:
    return PaymentOrder(
        user=context.user,
        member=context.member,
        # Whose it is, is checked by the service (``origin_check``), not assumed here.
        origin=_account(payload.origin),
        biller=_biller(payload.biller),
        reference=payload.reference,
        reference_fields=dict(payload.fields or {}),
        bill=_bill(payload),
        amount=payload.amount,
        idempotency_key=context.key,
        channel=context.channel,
        holds=context.holds,
        order_reference=context.reference,
        description=payload.description,
    )


def bill_execute(payload: BillPaymentPayload, context: Context) -> dict:
    # An approved company order runs inside the approval engine's transaction: the biller is
    # asked once it commits (no biller call inside a database transaction).
    payment = bill_pay(
        order=payment_order_of(payload, context), defer=context.reference is not None
    )
    if payment.status == Payment.Status.FAILED:
        raise PaymentError(
            payment.failure_reason or gettext("La empresa de servicios rechazó el pago.")
        )
    return {
        "payment": payment.pk,
        "receipt": payment.transaction.receipt_number,
        "status": payment.status,
    }


def _charges(payload: BillPaymentPayload) -> Decimal:
    fee, vat = bill_charges(_biller(payload.biller))
    return fee + vat


def receipt_url(result: dict) -> str:
    return reverse("payments:receipt", kwargs={"pk": result["payment"]})


BILL = OperationSpec(
    code="PAGO_SERVICIO",
    label=_("Pago de servicios"),
    band=BAND,
    payload=BillPaymentPayload,
    execute=bill_execute,
    charges=_charges,
    receipt_url=receipt_url,
)
SPECS = {"bill": BILL}


# --- Submitting a confirmed payment ----------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    """What became of a confirmed payment (``outcome``) and of its «Guardar servicio»: the
    service saved (``saved``), or why not (``warning``)."""

    outcome: Outcome
    saved: SavedService | None = None
    warning: str = ""


def payment_submit(
    *,
    spec: OperationSpec,
    payload: BillPaymentPayload,
    context: Context,
    concept: str = "",
    save_alias: str | None = None,
) -> Submitted:
    """The operation (executed now, or an order of a company's approval engine), then
    «Guardar servicio» with ``save_alias`` (an alias, maybe empty) when it was ticked — only
    once the payment went through or the order was registered, so a refused payment saves
    nothing. A service that could not be saved is a warning (the payment stands). A
    ``Refusal`` of the payment itself propagates."""
    outcome = operation_submit(spec=spec, payload=payload, context=context, concept=concept)
    if save_alias is None or outcome.status == Outcome.FAILED:
        return Submitted(outcome)
    try:
        saved = saved_service_add(
            member=context.member,
            user=context.user,
            biller=_biller(payload.biller),
            reference=payload.reference,
            fields=dict(payload.fields or {}),
            alias=save_alias,
        )
    except Refusal as exc:
        warning = gettext("No se guardó el servicio: %(why)s") % {"why": exc.message}
        return Submitted(outcome, warning=warning)
    return Submitted(outcome, saved=saved)


def saved_service_add(
    *, member, user, biller: Biller, reference: str, fields: dict, alias: str = ""
) -> SavedService:
    """«Guardar servicio»: the member's saved service for this biller and reference; one
    saved already is kept (with the new alias when one is given)."""
    alias = (alias or "").strip()[:40]
    existing = SavedService.objects.filter(
        owner=member, biller=biller, reference=reference, deleted_at__isnull=True
    ).first()
    if existing is not None:
        if alias and alias != existing.alias:
            existing.alias = alias
            existing.save(update_fields=["alias"])
        return existing
    try:
        with transaction.atomic():
            saved = SavedService.objects.create(
                owner=member,
                biller=biller,
                reference=reference,
                reference_fields=fields,
                alias=alias,
                created_by=user if getattr(user, "pk", None) else None,
            )
            audit_record(
                actor=user,
                action="saved_service.add",
                target=saved,
                after={"alias": alias, "biller": biller.code, "reference": reference},
                scope=audit_scope_of(member),
            )
    except IntegrityError as exc:  # saved at the same moment by another request
        raise PaymentError(gettext("Este servicio ya está en tus pagos frecuentes.")) from exc
    return saved
