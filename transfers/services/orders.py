"""Ordering transfers: own accounts, other members, other banks.

Plain functions taking the initiating user and channel, so the enterprise approval engine can
call the same code. Each transfer is one database transaction: the member's limit row is
locked, the limits are checked against what is already posted, the money moves through the
ledger, and the ``Transfer`` row is written, so concurrent transfers can never together pass a
limit, and a repeated idempotency key returns the first transfer.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import (
    DEPOSIT_PRODUCTS,
    Account,
    Entry,
    InternalAccount,
    Product,
    TransactionKind,
)
from accounts.services.ledger import (
    LedgerError,
    Leg,
    internal_account_id,
    to_money,
    transaction_post,
)
from common.background import enqueue
from common.refusal import Refusal
from identity.models import Member
from identity.services.notifications import notification_queue

from ..models import (
    Beneficiary,
    Institution,
    LimitCategory,
    Transfer,
)
from .calendar import process_date_for
from .fees import interbank_fee
from .limits import checks_under_lock, member_lock

RETRIES = 5
# Share certificates (aportaciones) are capital: money goes in, not out by transfer.
ORIGIN_PRODUCTS = (Product.SAVINGS, Product.PROGRESAR, Product.CHECKING)


class TransferError(Refusal):
    """What the person is told; ``field`` names the form field it belongs to, if any."""


@dataclass(frozen=True)
class Payee:
    """Another bank's account, as typed or as saved in a beneficiary."""

    institution: Institution
    account_number: str
    account_type: str
    name: str
    id_type: str
    identification: str
    email: str = ""


@dataclass(frozen=True)
class Order:
    """What every transfer needs besides its destination."""

    user: object
    member: Member
    origin: Account
    amount: Decimal
    memo: str
    idempotency_key: str
    channel: str
    funds_origin: str = ""
    funds_purpose: str = ""
    # Holds this transfer uses up (an approved enterprise order reserved its funds).
    holds: tuple[int, ...] = ()


# --- Amounts ----------------------------------------------------------------------------------


def amount_clean(value) -> Decimal:
    try:
        amount = to_money(value)
    except LedgerError as exc:
        raise TransferError(exc.message, "amount") from exc
    if amount <= 0:
        raise TransferError(gettext("El monto debe ser mayor a $ 0.00."), "amount")
    return amount


# --- Checks shared by every kind -------------------------------------------------------------


def origin_check(member: Member, origin: Account, amount=None) -> None:
    if amount is not None:
        # Also here, not only in forms: a negative amount would move money backwards.
        amount_clean(amount)
    if origin.owner_id != member.pk or origin.product not in ORIGIN_PRODUCTS:
        raise TransferError(gettext("Elige una de tus cuentas como origen."), "origin")
    if origin.status != Account.Status.ACTIVE:
        raise TransferError(
            gettext("La cuenta %(account)s no está activa.") % {"account": origin.masked_number},
            "origin",
        )


def _with_retries(work):
    # Deadlocks and serialization failures are retried as the ledger does for its own
    # top-level postings: here the transfer's transaction is the top level.
    for attempt in range(RETRIES):
        try:
            return work()
        except OperationalError as exc:
            cause = exc.__cause__
            retryable = getattr(cause, "sqlstate", None) in {"40P01", "40001"} or (
                "database is locked" in str(exc)
            )
            if not retryable or attempt == RETRIES - 1:
                raise
            time.sleep(0.01 * (2**attempt))
    raise AssertionError("unreachable")


def _replay(key: str) -> Transfer | None:
    return Transfer.objects.filter(idempotency_key=key).first()


def _post(
    order: Order,
    *,
    kind: str,
    legs,
    details: dict,
    values: dict,
    category: str | None,
    after=None,
):
    """The one transaction: the member's lock, the key looked up again under it, the limit and
    funds-declaration checks against what is posted, the ledger posting, the Transfer row."""

    def work():
        if not category:
            previous = _replay(order.idempotency_key)
            if previous is not None:
                return previous
        try:
            with transaction.atomic():
                if category:
                    member_lock(order.member, category)
                    verdict = checks_under_lock(
                        member_id=order.member.pk,
                        category=category,
                        idempotency_key=order.idempotency_key,
                        amount=order.amount,
                        funds_origin=order.funds_origin,
                        funds_purpose=order.funds_purpose,
                    )
                    # A twin request that committed while we waited is the transfer.
                    if verdict.twin is not None:
                        return Transfer.objects.get(pk=verdict.twin)
                    if verdict.refusal:
                        raise TransferError(verdict.refusal, verdict.field)
                prepared = {}

                def row(transaction_id):
                    transfer, sql, params = _transfer_row(
                        **_base(order), **values, transaction_id=transaction_id
                    )
                    prepared["transfer"] = transfer
                    return sql, params

                txn = transaction_post(
                    kind=kind,
                    legs=legs,
                    idempotency_key=order.idempotency_key,
                    channel=order.channel,
                    memo=order.memo,
                    initiated_by=order.user,
                    details=details,
                    consume_holds=order.holds,
                    # The key was looked up under the member's lock (own transfers: just
                    # before); a twin's duplicate key ends in the IntegrityError below.
                    savepoint=False,
                    # The Transfer row rides in the posting's last statement.
                    also_insert=row,
                )
                transfer = prepared["transfer"]
                transfer.pk = txn.also_id
                transfer.transaction = txn
                _saved(transfer)
                if after is not None:
                    after(transfer, txn)
                return transfer
        except IntegrityError:
            # The same key committed by a concurrent request: that one is the transfer.
            previous = _replay(order.idempotency_key)
            if previous is None:
                raise
            return previous
        except LedgerError as exc:
            raise TransferError(exc.message, "amount") from exc

    return _with_retries(work)


@functools.cache
def _insert_plan(vendor: str):
    fields = [f for f in Transfer._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    # Identifiers come from the model; values are parameters.
    sql = f"INSERT INTO {quote(Transfer._meta.db_table)} ({columns}) VALUES ({marks}) RETURNING id"  # noqa: S608
    return sql, fields


def _transfer_row(**values) -> tuple[Transfer, str, list]:
    """A Transfer and its INSERT, prepared by the fields themselves as the ORM would, without
    the ORM's per-call SQL compilation (it cost more than the insert on this path)."""
    transfer = Transfer(**values)
    transfer.created_at = timezone.now()
    sql, fields = _insert_plan(connection.vendor)
    params = [f.get_db_prep_save(getattr(transfer, f.attname), connection) for f in fields]
    return transfer, sql, params


def _saved(transfer: Transfer) -> Transfer:
    transfer._state.adding = False
    transfer._state.db = connection.alias
    return transfer


def _base(order: Order) -> dict:
    return {
        "member": order.member,
        "initiated_by": order.user if getattr(order.user, "pk", None) else None,
        "channel": order.channel,
        "origin": order.origin,
        "amount": order.amount,
        "memo": order.memo,
        "funds_origin": order.funds_origin,
        "funds_purpose": order.funds_purpose,
        "idempotency_key": order.idempotency_key,
    }


# --- The three kinds ---------------------------------------------------------------------------


def own_transfer(*, order: Order, destination: Account) -> Transfer:
    """Between the member's own accounts (no code asked: the usual exemption)."""
    origin_check(order.member, order.origin, order.amount)
    if destination.owner_id != order.member.pk or destination.product not in DEPOSIT_PRODUCTS:
        raise TransferError(gettext("Elige una de tus cuentas como destino."), "destination")
    if destination.pk == order.origin.pk:
        raise TransferError(
            gettext("La cuenta de origen y la de destino deben ser distintas."), "destination"
        )
    text = "TRANSFERENCIA ENTRE CUENTAS MISMO CLIENTE"
    legs = [Leg(order.origin.pk, -order.amount, text), Leg(destination.pk, order.amount, text)]

    values = {
        "kind": Transfer.Kind.OWN,
        "status": Transfer.Status.DONE,
        "destination": destination,
        "to_account_number": destination.number,
        "to_name": order.member.full_name,
    }
    return _post(
        order,
        kind=TransactionKind.OWN_TRANSFER,
        legs=legs,
        details={},
        values=values,
        category=None,
    )


def member_account_lookup(number: str) -> Account | None:
    """A member's active deposit account by number: "Validar" shows its holder."""
    number = (number or "").strip()
    if not number.isdigit():
        return None
    return (
        Account.objects.select_related("owner")
        .filter(
            number=number,
            product__in=ORIGIN_PRODUCTS,
            status=Account.Status.ACTIVE,
            internal_code__isnull=True,
        )
        .first()
    )


def member_transfer(
    *, order: Order, destination: Account, beneficiary: Beneficiary | None = None, email=""
) -> Transfer:
    """To another member's account at the cooperative."""
    origin_check(order.member, order.origin, order.amount)
    if destination.pk == order.origin.pk:
        raise TransferError(
            gettext("La cuenta de origen y la de destino deben ser distintas."), "destination"
        )
    if destination.owner_id == order.member.pk:
        raise TransferError(
            gettext("Para tus propias cuentas usa «Transferencia a mis cuentas»."), "destination"
        )
    if destination.status != Account.Status.ACTIVE or destination.product not in ORIGIN_PRODUCTS:
        raise TransferError(gettext("La cuenta de destino no puede recibir transferencias."))
    holder = destination.owner
    legs = [
        Leg(order.origin.pk, -order.amount, "TRANSFERENCIA A CUENTA TERCEROS"),
        Leg(destination.pk, order.amount, "TRANSFERENCIA DE CUENTA TERCEROS"),
    ]
    details = {
        "beneficiary": {
            "name": holder.full_name,
            "account": f"{destination.get_product_display()} {destination.masked_number}",
            "institution": "Cooprogreso",
        }
    }

    values = {
        "kind": Transfer.Kind.MEMBER,
        "status": Transfer.Status.DONE,
        "destination": destination,
        "beneficiary": beneficiary,
        "to_account_number": destination.number,
        "to_name": holder.full_name,
        "to_id_type": holder.id_type,
        "to_identification": holder.identification,
        "to_email": email,
    }

    def after(transfer, txn):
        if email:
            notification_queue(
                channel="EMAIL",
                recipient=email,
                subject=gettext("Recibiste una transferencia"),
                body=gettext(
                    "%(sender)s te transfirió $ %(amount)s a tu cuenta %(account)s en "
                    "Cooprogreso. Comprobante N.º %(receipt)s."
                )
                % {
                    "sender": order.member.full_name,
                    "amount": f"{order.amount:,.2f}",
                    "account": destination.masked_number,
                    "receipt": txn.receipt_number,
                },
            )

    return _post(
        order,
        kind=TransactionKind.INTERNAL_TRANSFER,
        legs=legs,
        details=details,
        values=values,
        category=LimitCategory.MEMBER,
        after=after,
    )


def settlement_for(institution: Institution, amount: Decimal) -> str:
    cap = institution.immediate_max_amount
    if institution.settlement == Institution.Settlement.IMMEDIATE and (
        cap is None or amount <= cap
    ):
        return Institution.Settlement.IMMEDIATE
    return Institution.Settlement.BATCH


def interbank_transfer(
    *, order: Order, payee: Payee, beneficiary: Beneficiary | None = None
) -> Transfer:
    """To another bank or cooperative through the central bank: the member is debited now
    (amount, fee, VAT, each its own movement); settlement sends it on."""
    origin_check(order.member, order.origin, order.amount)
    if payee.institution.is_self or not payee.institution.active:
        raise TransferError(gettext("Elige otra institución financiera."), "institution")
    fee, vat = interbank_fee()
    clearing = internal_account_id(InternalAccount.INTERBANK_CLEARING)
    principal = "ND TRANSFERENCIA PAGO DIRECTO"
    legs = [
        Leg(order.origin.pk, -order.amount, principal),
        Leg(clearing, order.amount, principal),
        Leg(order.origin.pk, -fee, "COMISIÓN TRANSFERENCIA PAGO DIRECTO", Entry.Role.FEE),
        Leg(
            internal_account_id(InternalAccount.FEE_INCOME),
            fee,
            "COMISIÓN TRANSFERENCIA PAGO DIRECTO",
            Entry.Role.FEE,
        ),
        Leg(order.origin.pk, -vat, "IVA TRANSFERENCIA PAGO DIRECTO", Entry.Role.VAT),
        Leg(
            internal_account_id(InternalAccount.VAT_PAYABLE),
            vat,
            "IVA TRANSFERENCIA PAGO DIRECTO",
            Entry.Role.VAT,
        ),
    ]
    details = {
        "beneficiary": {
            "name": payee.name,
            "identification": "*****" + payee.identification[-4:],
            "account": f"{payee.account_type} *****{payee.account_number[-4:]}",
            "institution": payee.institution.name,
        }
    }
    settlement = settlement_for(payee.institution, order.amount)

    immediate = settlement == Institution.Settlement.IMMEDIATE
    values = {
        "kind": Transfer.Kind.INTERBANK,
        "status": Transfer.Status.PENDING,
        "beneficiary": beneficiary,
        "institution": payee.institution,
        "to_account_number": payee.account_number,
        "to_account_type": payee.account_type,
        "to_name": payee.name,
        "to_id_type": payee.id_type,
        "to_identification": payee.identification,
        "to_email": payee.email,
        "fee": fee,
        "vat": vat,
        "settlement": settlement,
        "process_date": timezone.localdate() if immediate else process_date_for(),
    }

    def after(transfer, txn):
        if immediate:
            # robust: the money is committed; a broker failure must not become an error page
            # (the sweep sends PENDIENTE immediate transfers anyway).
            transaction.on_commit(lambda: _send_now(transfer.pk), robust=True)

    return _post(
        order,
        kind=TransactionKind.INTERBANK_TRANSFER,
        legs=legs,
        details=details,
        values=values,
        category=LimitCategory.INTERBANK,
        after=after,
    )


def _send_now(transfer_id: int) -> None:
    # Only "look now": the PENDIENTE row is the truth and a sweep picks it up if this is lost.
    enqueue("transfers.tasks.transfer_send_immediate", transfer_id)


def frequent_payees(member: Member, limit: int = 5) -> list[Transfer]:
    """ "Transacciones frecuentes": the latest distinct payees of transfers to others."""
    seen, result = set(), []
    rows = (
        Transfer.objects.filter(member=member)
        .exclude(kind=Transfer.Kind.OWN)
        .select_related("institution")
        .order_by("-created_at")[:50]
    )
    for row in rows:
        key = (row.kind, row.institution_id, row.to_account_number)
        if key not in seen:
            seen.add(key)
            result.append(row)
        if len(result) == limit:
            break
    return result
