"""The three transfers as operations (``accounts.registries.operations``): typed payloads, the
service each runs, its label, its amount bands and what it holds. ``TransfersConfig.ready``
registers them; a member's confirmed transfer executes at once, a company's becomes an approval
order (the enterprise app's channel) that runs the same ``execute`` once it is signed.

This module is the worked example of docs/ARCHITECTURE.md ("Adding an operation").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from accounts.registries.operations import (
    Context,
    NestedPayload,
    OperationSpec,
    Outcome,
    Payload,
    operation_submit,
)
from common.refusal import Refusal

from ..models import Beneficiary, Institution, Transfer
from .beneficiaries import beneficiary_save_after_transfer
from .cards import CardPayee, card_pay_interbank, card_pay_own, card_payee_save
from .fees import interbank_fee
from .orders import (
    Order,
    Payee,
    TransferError,
    interbank_transfer,
    member_transfer,
    own_transfer,
)

#: The amount bands a company sets for transfers (``enterprise.models.Operation.TRANSFER``).
BAND = "TRANSFERENCIA"


@dataclass(frozen=True, kw_only=True)
class TransferPayload(Payload):
    memo: str = ""
    #: the saved payee the money goes to, if any (usable now: approved)
    beneficiary: int | None = None
    funds_origin: str = ""
    funds_purpose: str = ""


@dataclass(frozen=True, kw_only=True)
class OwnTransferPayload(TransferPayload):
    destination: int


@dataclass(frozen=True, kw_only=True)
class MemberTransferPayload(TransferPayload):
    destination: int
    email: str = ""


@dataclass(frozen=True, kw_only=True)
class PayeeData(NestedPayload):
    """Another bank's account as the person typed or saved it; the institution by its code."""

    institution: str
    account_number: str
    account_type: str
    name: str
    id_type: str
    identification: str
    email: str = ""

    @classmethod
    def of(cls, payee: Payee) -> PayeeData:
        return cls(
            institution=payee.institution.code,
            account_number=payee.account_number,
            account_type=payee.account_type,
            name=payee.name,
            id_type=payee.id_type,
            identification=payee.identification,
            email=payee.email,
        )

    def payee(self) -> Payee:
        institution = Institution.objects.filter(code=self.institution).first()
        if institution is None:
            raise TransferError(_("Elige otra institución financiera."), "institution")
        return Payee(
            institution=institution,
            account_number=self.account_number,
            account_type=self.account_type,
            name=self.name,
            id_type=self.id_type,
            identification=self.identification,
            email=self.email,
        )


@dataclass(frozen=True, kw_only=True)
class InterbankTransferPayload(TransferPayload):
    payee: PayeeData


# --- Executing: the services members and approved orders share ----------------------------------


def _order(payload: TransferPayload, context: Context) -> Order:
    return Order(
        user=context.user,
        member=context.member,
        # Whose it is, is checked by the service (``origin_check``), not assumed here.
        origin=_account(payload.origin, "origin"),
        amount=payload.amount,
        memo=payload.memo,
        idempotency_key=context.key,
        channel=context.channel,
        funds_origin=payload.funds_origin,
        funds_purpose=payload.funds_purpose,
        holds=context.holds,
    )


def _account(pk: int, field: str) -> Account:
    account = Account.objects.select_related("owner").filter(pk=pk).first()
    if account is None:
        raise TransferError(_("La cuenta ya no existe."), field)
    return account


def _beneficiary(payload: TransferPayload, context: Context) -> Beneficiary | None:
    if payload.beneficiary is None:
        return None
    return Beneficiary.objects.filter(
        pk=payload.beneficiary, owner=context.member, deleted_at__isnull=True
    ).first()


def _result(transfer: Transfer) -> dict:
    return {"transfer": transfer.pk, "receipt": transfer.transaction.receipt_number}


def own_execute(payload: OwnTransferPayload, context: Context) -> dict:
    destination = _account(payload.destination, "destination")
    return _result(own_transfer(order=_order(payload, context), destination=destination))


def member_execute(payload: MemberTransferPayload, context: Context) -> dict:
    return _result(
        member_transfer(
            order=_order(payload, context),
            destination=_account(payload.destination, "destination"),
            beneficiary=_beneficiary(payload, context),
            email=payload.email,
        )
    )


def interbank_execute(payload: InterbankTransferPayload, context: Context) -> dict:
    return _result(
        interbank_transfer(
            order=_order(payload, context),
            payee=payload.payee.payee(),
            beneficiary=_beneficiary(payload, context),
        )
    )


def _interbank_charges(payload: InterbankTransferPayload) -> Decimal:
    fee, vat = interbank_fee()
    return fee + vat


def receipt_url(result: dict) -> str:
    return reverse("transfers:receipt", kwargs={"pk": result["transfer"]})


OWN = OperationSpec(
    code="TRANSF_PROPIA",
    label=_("Transferencia entre cuentas propias"),
    band=BAND,
    payload=OwnTransferPayload,
    execute=own_execute,
    receipt_url=receipt_url,
)
MEMBER = OperationSpec(
    code="TRANSF_COOPROGRESO",
    label=_("Transferencia Cooprogreso"),
    band=BAND,
    payload=MemberTransferPayload,
    execute=member_execute,
    receipt_url=receipt_url,
)
INTERBANK = OperationSpec(
    code="TRANSF_INTERBANCARIA",
    label=_("Transferencia interbancaria"),
    band=BAND,
    payload=InterbankTransferPayload,
    execute=interbank_execute,
    charges=_interbank_charges,
    receipt_url=receipt_url,
)
SPECS = {"own": OWN, "member": MEMBER, "interbank": INTERBANK}


# --- Submitting a confirmed transfer --------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    """What became of a confirmed transfer (``outcome``) and of its "Guardar beneficiario": the
    payee saved (``payee``, perhaps waiting for an authorizer), or why not (``warning``)."""

    outcome: Outcome
    payee: Beneficiary | None = None
    warning: str = ""


def transfer_submit(
    *,
    spec: OperationSpec,
    payload: TransferPayload,
    context: Context,
    concept: str,
    payee: dict | None = None,
) -> Submitted:
    """The operation (executed now, or an order of a company's approval engine), then
    "Guardar beneficiario" with ``payee`` when it was ticked — only once the money moved or
    the order was registered (a company's payee then waits for approval where the company
    requires it), so a refused transfer saves nobody. If the payee could not be saved, says
    why (the transfer stands: the person is told, not asked to send it again). A ``Refusal``
    of the transfer itself propagates, having changed nothing."""
    outcome = operation_submit(spec=spec, payload=payload, context=context, concept=concept)
    if payee is None or outcome.status == Outcome.FAILED:
        return Submitted(outcome)
    try:
        saved = beneficiary_save_after_transfer(
            member=context.member,
            user=context.user,
            data=payee,
            transfer_id=outcome.result.get("transfer"),
        )
    except Refusal as exc:
        warning = gettext("No se guardó el beneficiario: %(why)s") % {"why": exc.message}
        return Submitted(outcome, warning=warning)
    return Submitted(outcome, payee=saved)


# --- Pago de tarjetas -----------------------------------------------------------------------

#: the amount bands a company sets for card and service payments (``enterprise.models.Operation``)
PAYMENT_BAND = "PAGO"


@dataclass(frozen=True, kw_only=True)
class CardData(NestedPayload):
    """A card as the payment carries it: the institution by its code, the number only as its
    mask and keyed hash (``common.cards``), never in clear."""

    institution: str
    token: str
    masked: str
    name: str
    id_type: str = ""
    identification: str = ""
    email: str = ""

    @classmethod
    def of(cls, payee: CardPayee) -> CardData:
        return cls(
            institution=payee.institution.code,
            token=payee.token,
            masked=payee.masked,
            name=payee.name,
            id_type=payee.id_type,
            identification=payee.identification,
            email=payee.email,
        )

    def payee(self) -> CardPayee:
        institution = Institution.objects.filter(code=self.institution).first()
        if institution is None:
            raise TransferError(_("Elige otra institución financiera."), "institution")
        return CardPayee(
            institution=institution,
            token=self.token,
            masked=self.masked,
            name=self.name,
            id_type=self.id_type,
            identification=self.identification,
            email=self.email,
        )


@dataclass(frozen=True, kw_only=True)
class CardPaymentPayload(TransferPayload):
    card: CardData


def card_own_execute(payload: CardPaymentPayload, context: Context) -> dict:
    return _result(
        card_pay_own(
            order=_order(payload, context),
            card=payload.card.payee(),
            beneficiary=_beneficiary(payload, context),
        )
    )


def card_interbank_execute(payload: CardPaymentPayload, context: Context) -> dict:
    return _result(
        card_pay_interbank(
            order=_order(payload, context),
            card=payload.card.payee(),
            beneficiary=_beneficiary(payload, context),
        )
    )


def card_receipt_url(result: dict) -> str:
    return reverse("transfers:card_receipt", kwargs={"pk": result["transfer"]})


CARD_OWN = OperationSpec(
    code="PAGO_TARJETA",
    label=_("Pago de tarjeta Cooprogreso"),
    band=PAYMENT_BAND,
    payload=CardPaymentPayload,
    execute=card_own_execute,
    receipt_url=card_receipt_url,
)
CARD_INTERBANK = OperationSpec(
    code="PAGO_TARJETA_INTERBANCARIA",
    label=_("Pago de tarjeta de otra institución"),
    band=PAYMENT_BAND,
    payload=CardPaymentPayload,
    execute=card_interbank_execute,
    charges=_interbank_charges,
    receipt_url=card_receipt_url,
)
CARD_SPECS = {"own": CARD_OWN, "interbank": CARD_INTERBANK}


def card_spec_for(payee: CardPayee) -> OperationSpec:
    """A card of the cooperative is credited at once; another institution's goes by SPI."""
    return CARD_OWN if payee.is_own_institution else CARD_INTERBANK


def card_submit(
    *,
    spec: OperationSpec,
    payload: CardPaymentPayload,
    context: Context,
    concept: str,
    payee: CardPayee | None = None,
    alias: str = "",
) -> Submitted:
    """The card payment (executed now, or a company's approval order), then "Guardar
    beneficiario" with ``payee`` when it was ticked, once the money moved or the order was
    registered; a payee that could not be saved is said, the payment stands."""
    outcome = operation_submit(spec=spec, payload=payload, context=context, concept=concept)
    if payee is None or outcome.status == Outcome.FAILED:
        return Submitted(outcome)
    try:
        saved = card_payee_save(member=context.member, user=context.user, payee=payee, alias=alias)
    except Refusal as exc:
        warning = gettext("No se guardó la tarjeta: %(why)s") % {"why": exc.message}
        return Submitted(outcome, warning=warning)
    transfer_id = outcome.result.get("transfer")
    if transfer_id is not None and saved.approved_at is not None:
        Transfer.objects.filter(pk=transfer_id, member=context.member, beneficiary=None).update(
            beneficiary=saved
        )
    return Submitted(outcome, payee=saved)
