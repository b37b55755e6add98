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
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q, Sum
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
    CENT,
    LedgerError,
    Leg,
    internal_account_id,
    to_money,
    transaction_post,
)
from common.refusal import Refusal
from identity.models import Member
from identity.notifications import notification_queue

from ..models import (
    Beneficiary,
    CooperativeLimit,
    Institution,
    LimitCategory,
    MemberLimit,
    Transfer,
)
from .calendar import process_date_for

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


# --- Amounts, fees, limits -------------------------------------------------------------------


def amount_clean(value) -> Decimal:
    try:
        amount = to_money(value)
    except LedgerError as exc:
        raise TransferError(exc.message, "amount") from exc
    if amount <= 0:
        raise TransferError(gettext("El monto debe ser mayor a $ 0.00."), "amount")
    return amount


def interbank_fee() -> tuple[Decimal, Decimal]:
    """(fee, VAT): $0.36 and 15% of it rounded half-up to the cent ($0.05)."""
    fee = settings.INTERBANK_FEE
    return fee, (fee * settings.VAT_RATE).quantize(CENT, rounding=ROUND_HALF_UP)


def limits_of(member: Member, category: str) -> tuple[Decimal, Decimal, Decimal]:
    """The limits that apply: the member's own where set, never above the cooperative's
    current maximums (a maximum lowered later applies at once)."""
    top = CooperativeLimit.objects.get(category=category)
    own = MemberLimit.objects.filter(member=member, category=category).first()
    result = []
    for period in ("daily", "weekly", "monthly"):
        maximum = getattr(top, period)
        chosen = getattr(own, period) if own is not None else None
        result.append(maximum if chosen is None else min(chosen, maximum))
    return tuple(result)


def _windows(now: datetime) -> tuple[datetime, datetime, datetime]:
    local = timezone.localtime(now)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day - timedelta(days=day.weekday()), day.replace(day=1)


def used_of(member: Member, category: str, now: datetime | None = None):
    """What the member already transferred today, this week (from Monday), this month: one
    query."""
    kind = Transfer.Kind.MEMBER if category == LimitCategory.MEMBER else Transfer.Kind.INTERBANK
    day, week, month = _windows(now or timezone.now())
    totals = (
        Transfer.objects.filter(member=member, kind=kind, created_at__gte=min(week, month))
        .exclude(status=Transfer.Status.RETURNED)
        .exclude(bulk=True)
        .aggregate(
            day=Sum("amount", filter=Q(created_at__gte=day)),
            week=Sum("amount", filter=Q(created_at__gte=week)),
            month=Sum("amount", filter=Q(created_at__gte=month)),
        )
    )
    return tuple(totals[k] or Decimal(0) for k in ("day", "week", "month"))


def limit_problem(member: Member, category: str, amount: Decimal) -> str | None:
    """Why ``amount`` does not fit the member's limits now, or None."""
    daily, weekly, monthly = limits_of(member, category)
    used_day, used_week, used_month = used_of(member, category)
    for used, limit, label in (
        (used_day, daily, gettext("diario")),
        (used_week, weekly, gettext("semanal")),
        (used_month, monthly, gettext("mensual")),
    ):
        if used + amount > limit:
            return gettext(
                "El monto supera tu cupo %(label)s de $ %(limit)s: te quedan $ %(left)s."
            ) % {"label": label, "limit": f"{limit:,.2f}", "left": f"{max(limit - used, 0):,.2f}"}
    return None


def _member_lock(member: Member, category: str) -> None:
    """Serializes one member's transfers to others: the limit rows are locked, the member's
    Cooprogreso row first for every kind (the funds declaration counts both kinds), then the
    category's own. Their values are read afterwards, so a change made meanwhile is seen."""
    wanted = sorted({LimitCategory.MEMBER.value, str(category)})
    # Raw SQL: on the hottest path the ORM's query building cost more than the query.
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    marks = ", ".join(["%s"] * len(wanted))
    sql = (
        "SELECT category FROM transfers_memberlimit"  # noqa: S608 - placeholders only
        f" WHERE member_id = %s AND category IN ({marks}) ORDER BY category{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [member.pk, *wanted])
        locked = {row[0] for row in cursor.fetchall()}
    for row in wanted:  # a member's first transfers: the rows are made (and locked)
        if row not in locked:
            MemberLimit.objects.select_for_update().get_or_create(member=member, category=row)


def funds_declaration_required(member: Member, amount: Decimal) -> bool:
    """Origin and destination of funds become required when the member's transfers of the last
    days, with this one, pass the threshold."""
    since = timezone.now() - timedelta(days=settings.FUNDS_DECLARATION_DAYS)
    recent = Transfer.objects.filter(member=member, created_at__gte=since).exclude(
        kind=Transfer.Kind.OWN
    ).exclude(status=Transfer.Status.RETURNED).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    return recent + amount > settings.FUNDS_DECLARATION_THRESHOLD


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


_CHECKS_SQL = """
SELECT
  (SELECT t.id FROM transfers_transfer t WHERE t.idempotency_key = %s),
  c.daily, c.weekly, c.monthly, m.daily, m.weekly, m.monthly,
  u.day, u.week, u.month,
  (SELECT SUM(f.amount) FROM transfers_transfer f
     WHERE f.member_id = %s AND f.kind <> %s AND f.created_at >= %s AND f.status <> %s)
FROM transfers_cooperativelimit c
LEFT JOIN transfers_memberlimit m ON m.member_id = %s AND m.category = c.category
CROSS JOIN (
  SELECT SUM(CASE WHEN x.created_at >= %s THEN x.amount ELSE 0 END) AS day,
         SUM(CASE WHEN x.created_at >= %s THEN x.amount ELSE 0 END) AS week,
         SUM(CASE WHEN x.created_at >= %s THEN x.amount ELSE 0 END) AS month
  FROM transfers_transfer x
  WHERE x.member_id = %s AND x.kind = %s AND x.created_at >= %s AND x.status <> %s
    AND NOT x.bulk
) u
WHERE c.category = %s
"""


def _money(value) -> Decimal:
    # SQLite hands sums back as numbers; they are sums of cents, so two places are exact.
    return Decimal(0) if value is None else Decimal(str(value)).quantize(CENT)


def _checks_under_lock(order: Order, category: str) -> int | None:
    """Under the member's lock, in one round trip: a twin request's transfer (its id is
    returned), then the limits against what is posted, then the funds declaration. The same
    rules as ``limit_problem`` and ``funds_declaration_required``, which the forms use."""
    kind = Transfer.Kind.MEMBER if category == LimitCategory.MEMBER else Transfer.Kind.INTERBANK
    day, week, month = _windows(timezone.now())
    since = min(week, month)
    recent_since = timezone.now() - timedelta(days=settings.FUNDS_DECLARATION_DAYS)
    returned = Transfer.Status.RETURNED
    member = order.member.pk
    params = [
        order.idempotency_key,
        member, Transfer.Kind.OWN, recent_since, returned,
        member,
        day, week, month, member, kind, since, returned,
        category,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_CHECKS_SQL, params)
        row = cursor.fetchone()
    if row[0] is not None:
        return row[0]
    maximums, chosen, used = row[1:4], row[4:7], [_money(v) for v in row[7:10]]
    for label, maximum, own, spent in zip(
        (gettext("diario"), gettext("semanal"), gettext("mensual")),
        maximums,
        chosen,
        used,
        strict=True,
    ):
        limit = _money(maximum) if own is None else min(_money(own), _money(maximum))
        if spent + order.amount > limit:
            raise TransferError(
                gettext("El monto supera tu cupo %(label)s de $ %(limit)s: te quedan $ %(left)s.")
                % {
                    "label": label,
                    "limit": f"{limit:,.2f}",
                    "left": f"{max(limit - spent, 0):,.2f}",
                },
                "amount",
            )
    recent = _money(row[10])
    if recent + order.amount > settings.FUNDS_DECLARATION_THRESHOLD and not (
        order.funds_origin.strip() and order.funds_purpose.strip()
    ):
        raise TransferError(
            gettext(
                "Por el monto de tus transferencias recientes, indica el origen y el destino de "
                "los fondos."
            ),
            "funds_origin",
        )
    return None


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
                    _member_lock(order.member, category)
                    # A twin request that committed while we waited is the transfer.
                    twin = _checks_under_lock(order, category)
                    if twin is not None:
                        return Transfer.objects.get(pk=twin)
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
    try:
        from ..tasks import transfer_send_immediate
    except ImportError:  # settlement not installed in this build
        return
    transfer_send_immediate.delay(transfer_id)


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
