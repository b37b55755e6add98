"""Paying a bill: the money moves through the ledger first, then the biller is asked.

Life of a payment::

    bill_pay: one database transaction ── member −(amount + fee + VAT), in transit +amount,
        fee income +fee, VAT payable +VAT; the Payment row PENDIENTE ──▶ commit
    then, outside any transaction, the biller's answer:
        PAGADO      ── PAGADO (authorization); the settlement sweep (``payments_settle``,
                       every minute and after each pass of scheduled payments) then moves the
                       biller's confirmed payments in transit → biller settlement, one
                       posting per biller per pass
        RECHAZADO   ── in transit, fee, VAT → the member ──▶ FALLIDO
        DESCONOCIDO ── stays PENDIENTE; a status check is queued, then asked again with
                       backoff (``payments_status_sweep``) until the biller says, or the day's
                       reconciliation decides: listed → PAGADO, not listed → DEVUELTO.

A timeout is never a failure: the money goes back only when the biller says the payment failed
or its reconciliation does not list it. What is in transit is always the PENDIENTE payments plus
the PAGADO ones not settled yet (``in_transit_problems``, part of ``ledger_check``). Every
change of a payment's status is a conditional update of a PENDIENTE row, so a status task run
twice, or by two workers, confirms or refunds once; a refund's posting (its key from the
payment) is in the same database transaction as its status. A worker that dies between the
debit and the answer leaves the payment PENDIENTE with ``next_check_at`` set: the sweep asks the
biller (and sends the payment again under the same key if the biller never received it).
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Account, Channel, Entry, InternalAccount, Product, TransactionKind
from accounts.services.ledger import LedgerError, Leg, internal_account_id, transaction_post
from common.background import enqueue
from common.database import prepared_cursor
from identity.models import Member
from identity.services.notifications import notification_queue

from ..models import Biller, Payment, Schedule
from .catalogue import amount_check, reference_clean
from .errors import PaymentError
from .fees import bill_charges
from .gateway import Answer, Bill, BillerUnavailable, gateway_for

logger = logging.getLogger(__name__)

# Share certificates (aportaciones) are capital: they pay no bills.
ORIGIN_PRODUCTS = (Product.SAVINGS, Product.PROGRESAR, Product.CHECKING)
PENDING, PAID = Payment.Status.PENDING, Payment.Status.PAID
FAILED, REFUNDED = Payment.Status.FAILED, Payment.Status.REFUNDED
SWEEP_BATCH = 200
SETTLE_BATCH = 1000
RETRIES = 5


@dataclass(frozen=True)
class PaymentOrder:
    """What a bill payment needs: who pays, from where, which bill, how much, under which
    key; ``holds`` are the funds an approved company order reserved."""

    user: object
    member: Member
    origin: Account
    biller: Biller
    reference: str
    reference_fields: dict
    bill: Bill | None
    amount: Decimal
    idempotency_key: str
    channel: str
    holds: tuple[int, ...] = ()
    schedule: Schedule | None = None
    order_reference: int | None = None
    description: str = ""


def bill_inquire(*, biller: Biller, reference: str) -> list[Bill]:
    """The bills pending for ``reference``, oldest first (``BillerUnavailable`` if the biller
    does not answer)."""
    return gateway_for(biller).inquire(biller, reference)


# --- Paying ----------------------------------------------------------------------------------


def origin_check(member: Member, origin: Account) -> None:
    if origin.owner_id != member.pk or origin.product not in ORIGIN_PRODUCTS:
        raise PaymentError(gettext("Elige una de tus cuentas como origen."), field="origin")
    if origin.status != Account.Status.ACTIVE:
        raise PaymentError(
            gettext("La cuenta %(account)s no está activa.") % {"account": origin.masked_number},
            field="origin",
        )


def bill_pay(*, order: PaymentOrder, defer: bool = False) -> Payment:
    """Pay one bill (or a typed amount) for ``order``: the debit and the Payment row in one
    database transaction, then the biller's answer (see the module). The same key again
    returns the first Payment; a bill pending or paid already is refused; a refusal (funds,
    origin, reference, amount, duplicate) changes nothing. A biller that rejects the payment
    or is down leaves it FALLIDO with the money back (``failure_reason`` says why).

    ``defer``: the caller holds a database transaction of its own (a company's order run by
    the approval engine), and no biller is called inside one: the payment is sent once that
    transaction commits (``payment_send``), and is PENDIENTE until then."""
    try:
        biller = order.biller
        if not biller.active or not biller.category.active:
            raise PaymentError(gettext("Este servicio no está disponible."), field="biller")
        origin_check(order.member, order.origin)
        fields = reference_clean(biller=biller, data=order.reference_fields or _fields_of(order))
        amount = amount_check(biller=biller, amount=order.amount, bill=order.bill)
        payment, created = _with_retries(lambda: _debit(order, fields, amount, defer=defer))
    except PaymentError:
        # A repeat of a payment made already fails the checks it passed then (its bill is paid,
        # its funds are spent): it gets the first payment, not an error. The key is looked up
        # only here, on the way out: a new payment does not pay for it (the posting's unique
        # key catches a repeat that passes every check).
        previous = Payment.objects.filter(idempotency_key=order.idempotency_key).first()
        if previous is not None:
            return previous
        raise
    if not created or defer:
        return payment  # a twin with the same key asks the biller itself
    return payment_send(payment=payment)


def _fields_of(order: PaymentOrder) -> dict:
    first = order.biller.fields[0]["name"] if order.biller.fields else "referencia"
    return {first: order.reference}


def _duplicate_message() -> str:
    return gettext("Esta factura ya fue pagada o tiene un pago en proceso.")


TRANSIT, SETTLEMENT = InternalAccount.PAYMENTS_IN_TRANSIT, InternalAccount.BILLER_SETTLEMENT
FEE_INCOME, VAT_PAYABLE = InternalAccount.FEE_INCOME, InternalAccount.VAT_PAYABLE


_internal: dict[str, int] = {}


def internal_ids(*codes) -> dict[str, int]:
    """The cooperative's accounts a posting needs. They never change while the database
    lives: kept per process (forgotten after a migrate or flush, ``PaymentsConfig.ready``)."""
    missing = [code for code in codes if code not in _internal]
    if missing:
        found = dict(
            Account.objects.filter(internal_code__in=missing).values_list("internal_code", "pk")
        )
        for code in missing:
            # a flushed test database: created on first use
            _internal[code] = found.get(code) or internal_account_id(code)
    return {code: _internal[code] for code in codes}


def internal_ids_forget(**kwargs) -> None:
    _internal.clear()


def charge_legs(origin: int, fee: Decimal, vat: Decimal, ids: dict, text: str, sign=1):
    """The fee and the VAT of a payment, each its own movement (``sign`` −1 gives them back)."""
    legs = []
    for amount, code, role, label in (
        (fee, FEE_INCOME, Entry.Role.FEE, "COMISIÓN"),
        (vat, VAT_PAYABLE, Entry.Role.VAT, "IVA COMISIÓN"),
    ):
        if amount:
            description = f"{label} {text}"
            legs += [
                Leg(origin, -sign * amount, description, role),
                Leg(ids[code], sign * amount, description, role),
            ]
    return legs


def debit_legs(order: PaymentOrder, amount: Decimal, fee: Decimal, vat: Decimal) -> list[Leg]:
    ids = internal_ids(TRANSIT, FEE_INCOME, VAT_PAYABLE)
    text = f"PAGO SERVICIO {order.biller.name}"
    origin = order.origin.pk
    legs = [Leg(origin, -amount, text), Leg(ids[TRANSIT], amount, text)]
    return legs + charge_legs(origin, fee, vat, ids, "PAGO DE SERVICIOS")


def _with_retries(work):
    # Deadlocks and serialization failures are retried as the ledger retries its own
    # top-level postings: here the payment's transaction is the top level.
    for attempt in range(RETRIES):
        try:
            return work()
        except OperationalError as exc:
            cause = exc.__cause__
            retryable = getattr(cause, "sqlstate", None) in {"40P01", "40001"} or (
                "database is locked" in str(exc)
            )
            if not retryable or attempt == RETRIES - 1 or connection.in_atomic_block:
                raise
            time.sleep(0.01 * (2**attempt))
    raise AssertionError("unreachable")


def _debit(order: PaymentOrder, fields: dict, amount: Decimal, *, defer: bool):
    """The one database transaction of a payment: the posting and the Payment row (written by
    the posting's last statement). A bill pending or paid already is refused by that row's
    partial unique index (``bill_paid_once``), which rolls the posting back: no look-up
    first, the index answers it for every payment at no cost. Returns (payment, created)."""
    biller, bill = order.biller, order.bill
    reference = next(iter(fields.values()))
    fee, vat = bill_charges(biller)
    user = order.user if getattr(order.user, "pk", None) else None
    values = {
        "member": order.member,
        "initiated_by": user,
        "channel": order.channel,
        "origin": order.origin,
        "biller": biller,
        "reference": reference,
        "reference_fields": fields,
        "bill_number": bill.number if bill else "",
        "bill_period": bill.period[:40] if bill else "",
        "bill_due_on": bill.due_on if bill else None,
        "description": (order.description or (bill.description if bill else ""))[:100],
        "amount": amount,
        "fee": fee,
        "vat": vat,
        "idempotency_key": order.idempotency_key,
        "schedule": order.schedule,
        "order_reference": order.order_reference,
        "next_check_at": timezone.now() + _first_check_delay(),
    }
    prepared = {}

    def row(transaction_id):
        payment, sql, params = _payment_row(**values, transaction_id=transaction_id)
        prepared["payment"] = payment
        return sql, params

    try:
        with transaction.atomic():
            txn = transaction_post(
                kind=TransactionKind.BILL_PAYMENT,
                legs=debit_legs(order, amount, fee, vat),
                idempotency_key=order.idempotency_key,
                channel=order.channel,
                memo=(order.description or f"{biller.name} {reference}")[:200],
                initiated_by=user,
                details={
                    "biller": biller.name,
                    "category": biller.category.name,
                    "reference": reference,
                    "bill": values["bill_number"],
                    "period": values["bill_period"],
                },
                consume_holds=order.holds,
                # The key was looked up just before; a twin's duplicate key (or another key
                # paying the same bill) ends in the IntegrityError below.
                savepoint=False,
                also_insert=row,
            )
            payment = _saved(prepared["payment"], txn)
            if defer:
                transaction.on_commit(
                    lambda: enqueue("payments.tasks.payment_send", payment.pk), robust=True
                )
            return payment, True
    except IntegrityError as exc:
        # A twin with the same key committed first (that one is the payment), or the bill is
        # pending or paid under another key (refused: a bill is paid once).
        previous = Payment.objects.filter(idempotency_key=order.idempotency_key).first()
        if previous is not None:
            return previous, False
        raise PaymentError(_duplicate_message(), field="bill") from exc
    except LedgerError as exc:
        internal_ids_forget()
        raise PaymentError(exc.message, field="amount") from exc


@functools.cache
def _insert_plan(vendor: str):
    fields = [f for f in Payment._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    # Identifiers come from the model; values are parameters.
    sql = f"INSERT INTO {quote(Payment._meta.db_table)} ({columns}) VALUES ({marks}) RETURNING id"  # noqa: S608
    return sql, fields


def _payment_row(**values) -> tuple[Payment, str, list]:
    """A Payment and its INSERT, prepared by the fields themselves as the ORM would (as
    transfers write theirs: it rides in the posting's last statement)."""
    payment = Payment(**values)
    payment.created_at = timezone.now()
    sql, fields = _insert_plan(connection.vendor)
    params = [f.get_db_prep_save(getattr(payment, f.attname), connection) for f in fields]
    return payment, sql, params


def _saved(payment: Payment, txn) -> Payment:
    payment.pk = txn.also_id
    payment.transaction = txn
    payment._state.adding = False
    payment._state.db = connection.alias
    return payment


def _first_check_delay() -> timedelta:
    # Past the time a live request may still be waiting for the biller: the sweep then
    # finds only payments whose worker gave up or died.
    return timedelta(
        seconds=settings.PAYMENTS_GATEWAY_TIMEOUT + settings.PAYMENTS_STATUS_BACKOFF_BASE
    )


def backoff(checks: int) -> timedelta:
    """How long to wait before asking the biller again after ``checks`` unknown answers."""
    base, ceiling = settings.PAYMENTS_STATUS_BACKOFF_BASE, settings.PAYMENTS_STATUS_BACKOFF_MAX
    return timedelta(seconds=min(base * 2 ** min(checks, 20), ceiling))


def payment_send(*, payment_id: int | None = None, payment: Payment | None = None) -> Payment:
    """Send a PENDIENTE payment to its biller and apply the first answer (no e-mail: the
    person is looking at it). A repeated call sends the same key: the biller answers it
    as the first time and pays once."""
    if payment is None:
        payment = Payment.objects.select_related("biller").get(pk=payment_id)
    if payment.status != PENDING:
        return payment
    try:
        answer = gateway_for(payment.biller).pay(
            payment.biller,
            payment.reference,
            payment.bill_number,
            payment.amount,
            payment.idempotency_key,
        )
    except BillerUnavailable as exc:
        # The biller surely did not take it: the money goes back at once.
        answer = Answer(Answer.REJECTED, reason=exc.message)
    return _apply(payment, answer, first=True) or _fresh(payment)


def _fresh(payment: Payment) -> Payment:
    return Payment.objects.select_related("biller", "origin", "transaction").get(pk=payment.pk)


# --- Resolving -------------------------------------------------------------------------------


def _pending(payment_id: int) -> Payment | None:
    return (
        Payment.objects.filter(pk=payment_id, status=PENDING)
        .select_related("biller", "origin", "member")
        .first()
    )


def answer_apply(*, payment_id: int, answer: Answer, first: bool = False) -> Payment | None:
    """Apply the biller's answer to a PENDIENTE payment, once. ``first``: the answer to the
    payment's own request (nobody is e-mailed; unknown queues a status check). Returns the
    payment as it now stands, or None if it was not PENDIENTE (another worker resolved it)."""
    payment = _pending(payment_id)
    return None if payment is None else _apply(payment, answer, first=first)


def _apply(payment: Payment, answer: Answer, *, first: bool) -> Payment | None:
    if answer.status == Answer.PAID:
        return _settle(payment, answer.authorization, notify=not first)
    if answer.status == Answer.REJECTED:
        reason = answer.reason or gettext("Rechazado por la empresa de servicios.")
        return _refund(payment, FAILED, reason, notify=not first)
    return _still_unknown(payment, queue=first)


def _still_unknown(payment: Payment, *, queue: bool) -> Payment | None:
    if queue:
        # Straight after the payment's own request: ask once now, then with backoff (the
        # sweep asks anyway if this message is lost).
        checks, when = payment.status_checks, timezone.now() + _first_check_delay()
    else:
        checks = payment.status_checks + 1
        when = timezone.now() + backoff(checks)
    with transaction.atomic():
        if not Payment.objects.filter(pk=payment.pk, status=PENDING).update(
            status_checks=checks, next_check_at=when
        ):
            return None
        if queue:
            transaction.on_commit(
                lambda: enqueue("payments.tasks.payment_status_check", payment.pk), robust=True
            )
    payment.status_checks, payment.next_check_at = checks, when
    return payment


class _Resolved(Exception):
    """Another worker resolved the payment first: this one's posting is rolled back."""


def _resolve(payment: Payment, *, posting: dict, values: dict, notify: bool) -> Payment | None:
    """The posting and the payment's new status in one database transaction. The status
    changes only from PENDIENTE (a conditional update, which waits for a concurrent one on
    PostgreSQL's row lock), written by the posting's last statement; if another worker
    resolved it first, this posting is rolled back. The posting's key comes from the payment:
    it exists at most once anyway."""
    field = "refund_transaction"
    values = {**values, "resolved_at": timezone.now(), "next_check_at": None}

    def status_update(transaction_id):
        return _status_update_sql(payment.pk, {**values, f"{field}_id": transaction_id})

    try:
        with transaction.atomic():
            txn = transaction_post(
                channel=Channel.SYSTEM, savepoint=False, also_insert=status_update, **posting
            )
            if txn.also_id is None:
                raise _Resolved
            for name, value in {**values, field: txn}.items():
                setattr(payment, name, value)
            if notify:
                _resolved_notify(payment)
    except (_Resolved, IntegrityError):
        return None
    except LedgerError:
        internal_ids_forget()  # an account that no longer exists is not asked for again
        raise
    return payment


def _status_update_sql(
    payment_id: int, values: dict, *, lazy_commit: bool = False
) -> tuple[str, list]:
    """``UPDATE … WHERE id = … AND status = 'PENDIENTE' RETURNING id``, the values prepared by
    the fields as the ORM would. ``lazy_commit`` (PostgreSQL): the statement also sets
    ``synchronous_commit`` off for its own transaction (see ``_mark_paid``)."""
    quote = connection.ops.quote_name
    fields = {name: Payment._meta.get_field(name) for name in values}
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields.values())
    params = [f.get_db_prep_save(values[name], connection) for name, f in fields.items()]
    # Identifiers come from the model; values are parameters.
    sql = (
        f"UPDATE {quote(Payment._meta.db_table)} SET {sets}"  # noqa: S608
        f" WHERE {quote('id')} = %s AND {quote('status')} = %s"
    )
    if lazy_commit:
        sql += " AND set_config('synchronous_commit', 'off', true) IS NOT NULL"
    return sql + f" RETURNING {quote('id')}", [*params, payment_id, PENDING]


def payment_settle(*, payment_id: int, authorization: str, notify: bool = True) -> Payment | None:
    """The biller confirmed: PAGADO with its authorization (the settlement sweep moves the
    money in transit → biller settlement). None if the payment was not PENDIENTE."""
    payment = _pending(payment_id)
    return None if payment is None else _settle(payment, authorization, notify=notify)


def _settle(payment: Payment, authorization: str, *, notify: bool) -> Payment | None:
    """PAGADO with its authorization, from PENDIENTE only (a conditional update: a second
    answer finds it resolved). No posting here: the settlement sweep moves the money on."""
    values = {
        "status": PAID,
        "authorization": (authorization or "")[:40],
        "resolved_at": timezone.now(),
        "next_check_at": None,
    }
    if notify:
        with transaction.atomic():
            if not _mark_paid(payment.pk, values):
                return None
            _resolved_notify(_with(payment, values))
    elif not _mark_paid(payment.pk, values):
        return None
    return _with(payment, values)


def _with(payment: Payment, values: dict) -> Payment:
    for name, value in values.items():
        setattr(payment, name, value)
    return payment


def _mark_paid(payment_id: int, values: dict) -> bool:
    """The conditional update, on its own one statement (its own transaction when no caller
    holds one). Its commit does not wait for the disk (PostgreSQL's ``synchronous_commit``
    off, for this transaction only): it moves no money, and a confirmation a crash loses is
    made again — the payment is still PENDIENTE with ``next_check_at`` set, the status sweep
    asks the biller, who answers the same key the same way. Debits and every posting still
    wait for the disk."""
    lazy = connection.vendor == "postgresql" and not connection.in_atomic_block
    sql, params = _status_update_sql(payment_id, values, lazy_commit=lazy)
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def payments_settle() -> int:
    """Move every confirmed, unsettled payment in transit → biller settlement: one posting
    per biller (at most ``SETTLE_BATCH`` payments each), its payments claimed with their rows
    locked (``SKIP LOCKED``: two sweeps never take the same one) and marked settled in the same
    database transaction. Returns how many payments were settled."""
    billers = (
        Payment.objects.filter(status=PAID, settlement_transaction__isnull=True)
        .order_by()  # the model's ordering would make every row distinct
        .values_list("biller_id", flat=True)
        .distinct()
    )
    return sum(_settle_biller(biller_id) for biller_id in list(billers))


def _settle_biller(biller_id: int) -> int:
    ids = internal_ids(TRANSIT, SETTLEMENT)
    with transaction.atomic():
        rows = list(
            Payment.objects.select_for_update(skip_locked=True)
            .filter(biller_id=biller_id, status=PAID, settlement_transaction__isnull=True)
            .order_by("pk")
            .values_list("pk", "amount")[:SETTLE_BATCH]
        )
        if not rows:
            return 0
        total = sum((amount for _pk, amount in rows), Decimal("0.00"))
        name = Biller.objects.values_list("name", flat=True).get(pk=biller_id)
        text = f"LIQUIDACIÓN PAGOS SERVICIO {name}"[:120]
        txn = transaction_post(
            kind=TransactionKind.BILL_PAYMENT,
            legs=[Leg(ids[TRANSIT], -total, text), Leg(ids[SETTLEMENT], total, text)],
            # The claimed rows name the posting: a sweep that claims them again after a
            # rollback posts under the same key.
            idempotency_key=f"pago-liquidacion-{biller_id}-{rows[0][0]}-{rows[-1][0]}-{len(rows)}",
            channel=Channel.SYSTEM,
            memo=gettext("Liquidación de pagos de servicios"),
            details={"biller": name, "payments": len(rows)},
        )
        Payment.objects.filter(pk__in=[pk for pk, _amount in rows]).update(
            settlement_transaction=txn
        )
    return len(rows)


def refund_legs(payment: Payment, text: str) -> list[Leg]:
    ids = internal_ids(TRANSIT, FEE_INCOME, VAT_PAYABLE)
    origin = payment.origin_id
    legs = [Leg(ids[TRANSIT], -payment.amount, text), Leg(origin, payment.amount, text)]
    return legs + charge_legs(
        origin, payment.fee, payment.vat, ids, "DEVOLUCIÓN PAGO DE SERVICIOS", sign=-1
    )


def payment_refund(
    *, payment_id: int, status: str, reason: str, notify: bool = True
) -> Payment | None:
    """The biller said it failed (FALLIDO) or never listed it (DEVUELTO): the whole total back
    to the member, once. None if the payment was not PENDIENTE."""
    payment = _pending(payment_id)
    return None if payment is None else _refund(payment, status, reason, notify=notify)


def _refund(payment: Payment, status: str, reason: str, *, notify: bool) -> Payment | None:
    posting = {
        "kind": TransactionKind.BILL_PAYMENT,
        "legs": refund_legs(payment, f"DEVOLUCIÓN PAGO SERVICIO {payment.biller.name}"),
        "idempotency_key": f"pago-devolucion-{payment.pk}",
        "memo": gettext("Devolución de pago de servicios"),
        "details": {"payment": payment.pk, "reason": reason[:160]},
    }
    values = {"status": status, "failure_reason": reason[:160]}
    return _resolve(payment, posting=posting, values=values, notify=notify)


def payment_status_check(*, payment_id: int) -> Payment:
    """Ask the biller what became of a PENDIENTE payment and apply it; if it never received
    the payment (its worker died first), send it again under the same key. Still unknown:
    asked again after ``backoff``. A payment no longer PENDIENTE is returned as it is."""
    payment = Payment.objects.select_related("biller", "origin", "member").get(pk=payment_id)
    if payment.status != PENDING:
        return payment
    gateway = gateway_for(payment.biller)
    answer = gateway.status(payment.biller, payment.idempotency_key)
    if answer.not_received:
        try:
            answer = gateway.pay(
                payment.biller,
                payment.reference,
                payment.bill_number,
                payment.amount,
                payment.idempotency_key,
            )
        except BillerUnavailable:
            answer = Answer(Answer.UNKNOWN)
    return _apply(payment, answer, first=False) or _fresh(payment)


def payments_status_sweep(now=None) -> int:
    """Ask about every PENDIENTE payment whose ``next_check_at`` is due. Each is claimed by
    moving ``next_check_at`` forward (a conditional update), so two sweeps never ask about
    the same one together. Returns how many were resolved."""
    now = now or timezone.now()
    due = list(
        Payment.objects.filter(status=PENDING, next_check_at__lte=now)
        .order_by("next_check_at")
        .values_list("pk", "next_check_at")[:SWEEP_BATCH]
    )
    resolved = 0
    for pk, when in due:
        if not Payment.objects.filter(pk=pk, status=PENDING, next_check_at=when).update(
            next_check_at=now + _first_check_delay()
        ):
            continue
        try:
            resolved += payment_status_check(payment_id=pk).status != PENDING
        except LedgerError:
            # e.g. the origin account was closed meanwhile: staff must act; asked again later.
            logger.exception("Pagos: no se pudo aplicar la respuesta del pago %s", pk)
    return resolved


# --- Telling the member ----------------------------------------------------------------------


def _greeted(member) -> str:
    if member.kind == member.Kind.COMPANY or not member.first_names.split():
        return member.full_name
    return member.first_names.split()[0].capitalize()


def _resolved_notify(payment: Payment) -> None:
    """A payment that was "en proceso" has its answer: the member is e-mailed."""
    member = payment.member
    if not member.email:
        return
    values = {
        "greeted": _greeted(member),
        "biller": payment.biller.name,
        "reference": payment.reference,
        "total": f"{payment.total:,.2f}",
        "authorization": payment.authorization,
        "reason": payment.failure_reason,
        "origin": payment.origin.masked_number,
    }
    if payment.status == PAID:
        subject = gettext("Tu pago de servicios fue confirmado")
        body = gettext(
            "Hola, %(greeted)s:\n\n%(biller)s confirmó tu pago de $ %(total)s de la "
            "referencia %(reference)s. Autorización N.º %(authorization)s.\n\n"
            "Cooprogreso en Línea"
        )
    else:
        subject = gettext("Tu pago de servicios no se realizó")
        body = gettext(
            "Hola, %(greeted)s:\n\nEl pago de $ %(total)s a %(biller)s, referencia "
            "%(reference)s, no se realizó: %(reason)s\n\nDevolvimos $ %(total)s a tu cuenta "
            "%(origin)s.\n\nCooprogreso en Línea"
        )
    notification_queue(
        channel="EMAIL",
        recipient=member.email,
        user=payment.initiated_by,
        subject=subject,
        body=body % values,
    )


# --- The invariant of the money in transit ----------------------------------------------------


def in_transit_problems(limit: int = 50) -> list[str]:
    """What is in transit must be what is on its way: the PENDIENTE payments plus the PAGADO
    ones the settlement sweep has not moved yet (registered with ``ledger_check``)."""
    balance = Account.objects.values_list("balance", flat=True).get(
        pk=internal_ids(TRANSIT)[TRANSIT]
    )
    expected = Payment.objects.filter(
        Q(status=PENDING) | Q(status=PAID, settlement_transaction__isnull=True)
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    if abs(balance - expected) < Decimal("0.005"):
        return []
    return [
        gettext(
            "Pagos de servicios en tránsito: la cuenta tiene $ %(balance)s y los pagos en "
            "proceso o por liquidar suman $ %(expected)s."
        )
        % {"balance": f"{balance:,.2f}", "expected": f"{expected:,.2f}"}
    ][:limit]
