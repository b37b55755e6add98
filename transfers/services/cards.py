"""Pago de tarjetas: paying a card of the cooperative or of another institution.

A card of the cooperative is credited at once through the ledger: the member's debit goes to the
card's ledger account (``accounts.registries.cards``, filled by credits), whose balance is the
credit still available, so the position shows the payment as soon as it commits (the ledger
bumps the card owner's ``products_version``). Another institution's card is paid like an
interbank transfer: debited now with the SPI fee and its VAT, sent by the settlement cycles
(``SPI_KINDS``), and refunded exactly like a returned transfer.

The card number is never stored: payees, transfers and orders keep its mask and its keyed hash
(``common.cards``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Entry, InternalAccount, TransactionKind
from accounts.registries.cards import CardAccount, card_account_for
from accounts.services.ledger import Leg, internal_account_id
from common.cards import card_is_valid, card_mask, card_token
from identity.models import Member

from ..models import Beneficiary, Institution, Transfer
from .beneficiaries import _save, identification_check
from .calendar import process_date_for
from .fees import interbank_fee
from .holders import holder_name_masked
from .orders import Order, TransferError, _post, _send_now, origin_check, settlement_for


@dataclass(frozen=True)
class CardPayee:
    """A card as typed or as saved: its institution, mask and token, and its holder."""

    institution: Institution
    token: str
    masked: str
    name: str
    id_type: str = ""
    identification: str = ""
    email: str = ""

    @property
    def is_own_institution(self) -> bool:
        return self.institution is not None and self.institution.is_self

    @classmethod
    def of(cls, beneficiary: Beneficiary, email: str = "") -> CardPayee:
        return cls(
            institution=beneficiary.institution,
            token=beneficiary.card_token,
            masked=beneficiary.account_number,
            name=beneficiary.holder_name,
            id_type=beneficiary.id_type,
            identification=beneficiary.identification,
            email=email or beneficiary.email,
        )


class CardAmounts(NamedTuple):
    """What the owner of a cooperative card is offered: «Pago mínimo» and «Pago total»."""

    minimum: Decimal
    total: Decimal


# --- Checking a card before the code -------------------------------------------------------------


def _card_not_found() -> TransferError:
    # One answer whether the number is no card of ours or the identification is not its
    # holder's: which numbers are real cards is not told to whoever tries them.
    return TransferError(
        gettext("No encontramos una tarjeta Cooprogreso activa con ese número e identificación."),
        "card_number",
    )


def _coop_card(token: str) -> CardAccount:
    found = card_account_for(token)
    if found is None:
        raise _card_not_found()
    return found


def card_payee_check(
    *,
    member: Member,
    institution: Institution | None,
    number: str,
    id_type: str,
    identification: str,
    name: str = "",
    email: str = "",
) -> CardPayee:
    """A new card as typed, checked: the number (Luhn), the identification; a card of the
    cooperative must exist and be its holder's (whose name is shown masked unless the card is
    the member's own); another institution's needs the holder's name."""
    if institution is None or not institution.active:
        raise TransferError(gettext("Elige la entidad financiera."), "institution")
    if not card_is_valid(number):
        raise TransferError(
            gettext("El número de tarjeta no es válido: revisa los dígitos."), "card_number"
        )
    identification = identification_check(id_type, identification)
    token = card_token(number)
    if institution.is_self:
        found = _coop_card(token)
        if (found.id_type, found.identification) != (id_type, identification):
            raise _card_not_found()
        mine = found.owner_id == member.pk
        name = found.holder_name if mine else holder_name_masked(found.holder_name)
    else:
        name = (name or "").strip().upper()
        if not name:
            raise TransferError(gettext("Ingresa el nombre del beneficiario."), "holder_name")
    return CardPayee(
        institution=institution,
        token=token,
        masked=card_mask(number),
        name=name,
        id_type=id_type,
        identification=identification,
        email=email,
    )


def card_amounts(*, member: Member, payee: CardPayee) -> CardAmounts | None:
    """«Pago mínimo» and «Pago total» of a card of the cooperative the member owns; None for
    anybody else's card (what another person owes is not shown) and other institutions'."""
    if not payee.is_own_institution:
        return None
    found = card_account_for(payee.token)
    if found is None or found.owner_id != member.pk:
        return None
    return CardAmounts(found.minimum, found.total)


def card_amount_problem(
    *, member: Member, payee: CardPayee, amount: Decimal, before_code: bool = False
) -> str | None:
    """Why ``amount`` cannot go to this card of the cooperative (more than is owed), or None.
    Before the code only the member's own card is checked: a form that answered for anybody's
    card would let one try amounts until it told what another person owes. At posting, another
    person's card is refused without the figure (each try costs a code)."""
    if not payee.is_own_institution:
        return None
    found = card_account_for(payee.token)
    if found is None or amount <= found.total:
        return None
    if found.owner_id == member.pk:
        return gettext("El monto supera lo que debes en la tarjeta: $ %(total)s.") % {
            "total": f"{found.total:,.2f}"
        }
    if before_code:
        return None
    return gettext("No pudimos acreditar ese monto a la tarjeta; confírmalo con su titular.")


# --- Paying -----------------------------------------------------------------------------------


def _details(payee: CardPayee, name: str, institution: str) -> dict:
    return {
        "beneficiary": {
            "name": name,
            "account": gettext("Tarjeta %(card)s") % {"card": payee.masked},
            "institution": institution,
        }
    }


def card_pay_own(
    *, order: Order, card: CardPayee, beneficiary: Beneficiary | None = None
) -> Transfer:
    """A card of the cooperative (the member's or another member's): the origin debited and the
    card's account credited in one posting, no fee. Never more than the card owes."""
    origin_check(order.member, order.origin, order.amount)
    if not card.is_own_institution:
        raise TransferError(gettext("Elige la entidad financiera."), "institution")
    found = _coop_card(card.token)
    problem = card_amount_problem(member=order.member, payee=card, amount=order.amount)
    if problem:
        raise TransferError(problem, "amount")
    mine = found.owner_id == order.member.pk
    name = found.holder_name if mine else holder_name_masked(found.holder_name)
    text = "PAGO TARJETA DE CRÉDITO COOPROGRESO"
    legs = [Leg(order.origin.pk, -order.amount, text), Leg(found.account_id, order.amount, text)]
    values = {
        "kind": Transfer.Kind.CARD,
        "status": Transfer.Status.DONE,
        "destination_id": found.account_id,
        "beneficiary": beneficiary,
        "institution": card.institution,
        "to_account_number": found.masked,
        "to_name": name,
        "to_id_type": card.id_type,
        "to_identification": card.identification,
        "to_email": card.email,
        "card_token": card.token,
    }
    return _post(
        order,
        kind=TransactionKind.CARD_PAYMENT,
        legs=legs,
        details=_details(card, name, card.institution.name),
        values=values,
        category=None,
    )


def card_pay_interbank(
    *, order: Order, card: CardPayee, beneficiary: Beneficiary | None = None
) -> Transfer:
    """Another institution's card, through the central bank like an interbank transfer: the
    member is debited now (amount, fee, VAT, each its own movement); settlement sends it on and
    a returned payment is refunded as a returned transfer is."""
    origin_check(order.member, order.origin, order.amount)
    if card.institution.is_self or not card.institution.active:
        raise TransferError(gettext("Elige otra institución financiera."), "institution")
    fee, vat = interbank_fee()
    clearing = internal_account_id(InternalAccount.INTERBANK_CLEARING)
    principal, fee_text, vat_text = (
        "ND PAGO TARJETA SPI",
        "COSTO TRANSFERENCIA / PAGO TARJETAS SPI",
        "IVA TRANSFERENCIA / PAGO TARJETAS SPI",
    )
    legs = [
        Leg(order.origin.pk, -order.amount, principal),
        Leg(clearing, order.amount, principal),
        Leg(order.origin.pk, -fee, fee_text, Entry.Role.FEE),
        Leg(internal_account_id(InternalAccount.FEE_INCOME), fee, fee_text, Entry.Role.FEE),
        Leg(order.origin.pk, -vat, vat_text, Entry.Role.VAT),
        Leg(internal_account_id(InternalAccount.VAT_PAYABLE), vat, vat_text, Entry.Role.VAT),
    ]
    settlement = settlement_for(card.institution, order.amount)
    immediate = settlement == Institution.Settlement.IMMEDIATE
    values = {
        "kind": Transfer.Kind.CARD_INTERBANK,
        "status": Transfer.Status.PENDING,
        "beneficiary": beneficiary,
        "institution": card.institution,
        "to_account_number": card.masked,
        "to_name": card.name,
        "to_id_type": card.id_type,
        "to_identification": card.identification,
        "to_email": card.email,
        "card_token": card.token,
        "fee": fee,
        "vat": vat,
        "settlement": settlement,
        "process_date": timezone.localdate() if immediate else process_date_for(),
    }

    def after(transfer, txn):
        if immediate:
            transaction.on_commit(lambda: _send_now(transfer.pk), robust=True)

    return _post(
        order,
        kind=TransactionKind.CARD_PAYMENT,
        legs=legs,
        details=_details(card, card.name, card.institution.name),
        values=values,
        category=None,
        after=after,
    )


# --- Saved cards ------------------------------------------------------------------------------


def card_payee_save(*, member: Member, user, payee: CardPayee, alias: str = "") -> Beneficiary:
    """ "Guardar beneficiario" of a card: its mask and token, never its number."""
    return _save(
        member=member,
        user=user,
        kind=Beneficiary.Kind.CARD,
        institution=payee.institution,
        account_number=payee.masked,
        card_token=payee.token,
        holder_name=payee.name,
        id_type=payee.id_type,
        identification=payee.identification,
        email=payee.email,
        alias=alias[:40],
    )


def card_payees_of(member: Member, *, query: str = ""):
    """The member's saved cards; ``query`` matches the holder, the institution, the number's
    visible digits or the alias ("Busca por el nombre del beneficiario, la banco, numero o
    alias de la tarjeta")."""
    rows = Beneficiary.objects.filter(
        owner=member, kind=Beneficiary.Kind.CARD, deleted_at__isnull=True
    ).select_related("institution")
    if query:
        rows = rows.filter(
            Q(alias__icontains=query)
            | Q(holder_name__icontains=query)
            | Q(institution__name__icontains=query)
            | Q(account_number__contains=query)
        )
    return rows.order_by("-institution__is_self", "alias", "holder_name")
