"""The posting service: the only code that changes a balance.

Every money movement in the portal — a transfer, a fee, a payroll row, a cash deposit at the
counter — becomes one ``Transaction`` with balanced ``Entry`` rows written here, under row locks
taken in id order, with the available-funds check and the idempotency key in the same database
transaction.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from common.refusal import Refusal
from identity.services.members import member_products_changed

from ..models import Account, Entry, Hold, InternalAccount, Product, Transaction

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 16
RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure


class LedgerError(Refusal):
    """A movement that must not happen; ``message`` is what the person is told."""


class InsufficientFunds(LedgerError):
    pass


class AccountNotOperable(LedgerError):
    pass


class InvalidPosting(LedgerError):
    pass


class IdempotencyConflict(LedgerError):
    pass


def _not_active_message(account: Account) -> str:
    return gettext("La cuenta %(account)s no está activa.") % {"account": account.masked_number}


def _insufficient_funds_message(account: Account) -> str:
    return gettext(
        "Fondos insuficientes en la cuenta %(account)s: saldo disponible $ %(available)s."
    ) % {"account": account.masked_number, "available": f"{account.available:,.2f}"}


@dataclass(frozen=True)
class Leg:
    """One side of a posting. Negative ``amount`` takes money out of the account."""

    account_id: int
    amount: Decimal
    description: str
    role: str = Entry.Role.PRINCIPAL


def to_money(value) -> Decimal:
    """A Decimal with exactly two places; floats are refused, not rounded."""
    if isinstance(value, float):
        raise InvalidPosting(gettext("Los montos se expresan como Decimal, nunca como float."))
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise InvalidPosting(gettext("El monto no es válido.")) from exc
    if not amount.is_finite():
        raise InvalidPosting(gettext("El monto no es válido."))
    if abs(amount) >= MAX_AMOUNT:  # numeric(18, 2): sixteen digits before the point
        raise InvalidPosting(gettext("El monto excede el máximo permitido."))
    if amount != amount.quantize(CENT):
        raise InvalidPosting(gettext("El monto admite como máximo dos decimales."))
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


INTERNAL_ACCOUNT_NUMBERS = {
    InternalAccount.CASH: "9900000001",
    InternalAccount.INTERBANK_CLEARING: "9900000002",
    InternalAccount.FEE_INCOME: "9900000003",
    InternalAccount.VAT_PAYABLE: "9900000004",
    InternalAccount.BILLER_SETTLEMENT: "9900000005",
    InternalAccount.LOAN_PORTFOLIO: "9900000006",
    InternalAccount.CARD_PORTFOLIO: "9900000007",
    InternalAccount.INTEREST_EXPENSE: "9900000008",
    InternalAccount.PAYROLL_CLEARING: "9900000009",
}


def internal_accounts_ensure() -> None:
    """The cooperative's own accounts exist (a migration creates them; a flushed test database
    or a new internal account added later gets them here)."""
    for code, number in INTERNAL_ACCOUNT_NUMBERS.items():
        Account.objects.get_or_create(
            internal_code=code, defaults={"number": number, "product": Product.INTERNAL}
        )


def internal_account_id(code: InternalAccount | str) -> int:
    try:
        return Account.objects.values_list("pk", flat=True).get(internal_code=code)
    except Account.DoesNotExist:
        internal_accounts_ensure()
        return Account.objects.values_list("pk", flat=True).get(internal_code=code)


def _normalise(legs: Sequence[Leg]) -> list[Leg]:
    if len(legs) < 2:
        raise InvalidPosting(gettext("Una transacción necesita al menos dos movimientos."))
    clean = [
        Leg(int(leg.account_id), to_money(leg.amount), leg.description[:120], leg.role)
        for leg in legs
    ]
    if any(leg.amount == 0 for leg in clean):
        raise InvalidPosting(gettext("Un movimiento no puede ser de $ 0.00."))
    if sum((leg.amount for leg in clean), Decimal("0")) != 0:
        raise InvalidPosting(
            gettext("La transacción no cuadra: débitos y créditos deben sumar cero.")
        )
    return clean


def _fingerprint(kind: str, legs: Iterable[Leg], holds: Iterable[int]) -> str:
    text = kind + "|" + ";".join(f"{leg.account_id}:{leg.amount}:{leg.role}" for leg in legs)
    text += "|" + ",".join(str(h) for h in sorted(holds))
    return hashlib.sha256(text.encode()).hexdigest()


def _replayed(idempotency_key: str, fingerprint: str) -> Transaction | None:
    existing = Transaction.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None and existing.fingerprint != fingerprint:
        raise IdempotencyConflict(
            gettext("Esta operación ya fue registrada con otros datos; inicia una nueva.")
        )
    return existing


def _retryable(exc: OperationalError) -> bool:
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(exc)


def transaction_post(
    *,
    kind: str,
    legs: Sequence[Leg],
    idempotency_key: str,
    channel: str,
    memo: str = "",
    reason: str = "",
    initiated_by=None,
    posted_at=None,
    details: dict | None = None,
    consume_holds: Sequence[int] = (),
    savepoint: bool = True,
    also_insert=None,
) -> Transaction:
    """Post one balanced transaction, or return the one already posted under the same key.

    Called outside any transaction it runs in its own durable one and retries deadlock and
    serialization failures; called inside a caller's transaction it joins it (in a savepoint, so
    a replayed key does not spoil the caller's work) and the caller owns the retry. A caller
    that already looked the key up under its own lock may pass ``savepoint=False`` to save the
    round trips; a duplicate key then breaks its transaction and the IntegrityError is its to
    handle.

    ``also_insert(transaction_id) -> (sql, params)``: one ``INSERT … RETURNING id`` of the
    caller's own row about this posting (a transfer, an order), written by the posting's last
    statement on PostgreSQL instead of a round trip of its own; its id is ``txn.also_id``.
    """
    if not idempotency_key:
        raise InvalidPosting(gettext("Falta la clave de idempotencia."))
    clean = _normalise(legs)
    fingerprint = _fingerprint(kind, clean, consume_holds)
    nested = transaction.get_connection().in_atomic_block
    attempts = 1 if nested else settings.LEDGER_RETRIES
    for attempt in range(attempts):
        try:
            with transaction.atomic(durable=not nested, savepoint=savepoint or not nested):
                return _post(
                    kind=kind,
                    legs=clean,
                    idempotency_key=idempotency_key,
                    fingerprint=fingerprint,
                    channel=channel,
                    memo=memo,
                    reason=reason,
                    initiated_by=initiated_by,
                    posted_at=posted_at,
                    details=details or {},
                    consume_holds=consume_holds,
                    also_insert=also_insert,
                )
        except IntegrityError:
            if nested and not savepoint:
                raise  # the caller's transaction is broken: it cannot look anything up
            existing = _replayed(idempotency_key, fingerprint)
            if existing is None:
                raise
            return existing
        except LedgerError:
            if nested and not savepoint:
                raise  # the caller looked the key up first, and its transaction must roll back
            # A retry of a posting that already went through fails its checks (the funds are
            # spent, the hold consumed): the caller must get the first result, not an error,
            # or it retries under a new key and pays twice. Only failures pay for this lookup.
            existing = _replayed(idempotency_key, fingerprint)
            if existing is None:
                raise
            return existing
        except OperationalError as exc:
            if nested or attempt == attempts - 1 or not _retryable(exc):
                raise
            time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
    raise AssertionError("unreachable")


@dataclass
class _Locked:
    """An account row as the posting sees it under its lock."""

    pk: int
    number: str
    status: str
    internal_code: str | None
    balance: Decimal
    available: Decimal
    last_posted_at: datetime | None
    owner_id: int | None

    @property
    def is_internal(self) -> bool:
        return self.internal_code is not None

    @property
    def masked_number(self) -> str:
        return "*****" + self.number[-4:]


def _decimal(value) -> Decimal:
    # PostgreSQL hands back Decimal; SQLite stores NUMERIC as REAL and hands back float.
    return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(CENT)


def _aware(value):
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value, UTC)  # SQLite keeps naive UTC


def _placeholders(n: int) -> str:
    return ", ".join(["%s"] * n)


def _post(
    *,
    kind,
    legs,
    idempotency_key,
    fingerprint,
    channel,
    memo,
    reason,
    initiated_by,
    posted_at,
    details,
    consume_holds,
    also_insert=None,
) -> Transaction:
    # The hot path of the whole portal, so it speaks SQL: the same statements the ORM would
    # issue, without its per-object cost (make bench holds it to half of bare psycopg).
    connection = transaction.get_connection()
    ids = sorted({leg.account_id for leg in legs})
    accounts = _accounts_lock(connection, ids)
    posted_at = _posting_time(requested=posted_at, accounts=accounts.values())
    if consume_holds:
        _holds_consume(hold_ids=consume_holds, accounts=accounts, closed_at=posted_at)
    rows = _legs_apply(legs, accounts)
    txn = Transaction(
        kind=kind,
        channel=channel,
        memo=memo[:200],
        reason=reason,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        initiated_by=initiated_by if getattr(initiated_by, "pk", None) else None,
        posted_at=posted_at,
        details=details,
    )
    prep = _field_prep(connection)
    when = prep("posted_at", posted_at)
    txn_params = [
        kind,
        channel,
        txn.memo,
        reason,
        idempotency_key,
        fingerprint,
        txn.initiated_by_id,
        when,
        prep("details", details),
    ]
    with connection.cursor() as cursor:
        # A concurrent duplicate of this key queued behind our locks; when it gets them, this
        # insert fails on the unique index and the caller returns our transaction instead.
        if connection.vendor == "postgresql":
            txn.pk = _entries_insert_postgresql(cursor, txn_params, rows, when)
        else:
            txn.pk = _entries_insert_sqlite(cursor, txn_params, rows, when)
        extra_sql, extra_params = also_insert(txn.pk) if also_insert else (None, [])
        also_id = _balances_update(
            cursor,
            connection,
            ids=ids,
            accounts=accounts,
            when=when,
            extra_sql=extra_sql,
            extra_params=extra_params,
        )
        if extra_sql:
            txn.also_id = also_id
    txn._state.adding = False
    txn._state.db = connection.alias
    return txn


def _accounts_lock(connection, ids: list[int]) -> dict[int, _Locked]:
    # Locks in id order: two postings over the same accounts queue instead of deadlocking.
    # NO KEY UPDATE still lets other transactions insert entries referencing these rows.
    lock = " FOR NO KEY UPDATE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, number, status, internal_code, balance, available, last_posted_at, owner_id"  # noqa: S608 - only placeholders are interpolated
            f" FROM accounts_account WHERE id IN ({_placeholders(len(ids))}) ORDER BY id{lock}",
            ids,
        )
        accounts = {
            row[0]: _Locked(
                row[0],
                row[1],
                row[2],
                row[3],
                _decimal(row[4]),
                _decimal(row[5]),
                _aware(row[6]),
                row[7],
            )
            for row in cursor.fetchall()
        }
    if len(accounts) != len(ids):
        raise InvalidPosting(gettext("Una de las cuentas no existe."))
    return accounts


def _holds_consume(*, hold_ids: Sequence[int], accounts: dict[int, _Locked], closed_at) -> None:
    """The holds the posting spends: their amounts are available to it, and they close."""
    holds = list(Hold.objects.select_for_update().filter(pk__in=hold_ids).order_by("pk"))
    if len(holds) != len(set(hold_ids)):
        raise InvalidPosting(gettext("La retención de fondos ya no está vigente."))
    for hold in holds:
        if hold.status != Hold.Status.ACTIVE or hold.account_id not in accounts:
            raise InvalidPosting(gettext("La retención de fondos ya no está vigente."))
        accounts[hold.account_id].available += hold.amount
    Hold.objects.filter(pk__in=[h.pk for h in holds]).update(
        status=Hold.Status.CONSUMED, closed_at=closed_at
    )


def _legs_apply(legs: Sequence[Leg], accounts: dict[int, _Locked]) -> list[tuple[Leg, Decimal]]:
    """Each leg checked against its locked account, paired with the balance it leaves."""
    rows = []
    for leg in legs:
        account = accounts[leg.account_id]
        if account.status != Account.Status.ACTIVE:
            raise AccountNotOperable(_not_active_message(account))
        if not account.is_internal and leg.amount < 0 and account.available + leg.amount < 0:
            raise InsufficientFunds(_insufficient_funds_message(account))
        account.balance += leg.amount
        account.available += leg.amount
        rows.append((leg, account.balance))
    return rows


_INSERT_TRANSACTION = (
    "INSERT INTO accounts_transaction (kind, channel, memo, reason, idempotency_key,"
    " fingerprint, initiated_by_id, posted_at, details)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id"
)


def _entries_insert_postgresql(cursor, txn_params: list, rows, when) -> int:
    """One round trip for the transaction and its entries; ORDER BY keeps the entries' ids in
    the legs' order (the order they are shown in). Returns the transaction's id."""
    values = ", ".join(["(%s, %s::bigint, %s::numeric, %s::numeric, %s, %s)"] * len(rows))
    cursor.execute(
        f"WITH txn AS ({_INSERT_TRANSACTION}) INSERT INTO accounts_entry (transaction_id,"  # noqa: S608
        " account_id, amount, balance_after, description, role, posted_at)"
        " SELECT txn.id, v.account_id, v.amount, v.balance_after, v.description, v.role,"
        f" %s FROM txn, (VALUES {values}) AS v(ord, account_id, amount, balance_after,"
        " description, role) ORDER BY v.ord RETURNING transaction_id",
        [*txn_params, when]
        + [
            v
            for n, (leg, balance_after) in enumerate(rows)
            for v in (n, leg.account_id, leg.amount, balance_after, leg.description, leg.role)
        ],
    )
    return cursor.fetchone()[0]


def _entries_insert_sqlite(cursor, txn_params: list, rows, when) -> int:
    """The transaction, then its entries in one multi-row insert. Returns the transaction's
    id."""
    cursor.execute(_INSERT_TRANSACTION, txn_params)
    txn_id = cursor.fetchone()[0]
    entry_params = []
    for leg, balance_after in rows:
        entry_params += [
            txn_id,
            leg.account_id,
            leg.amount,
            balance_after,
            leg.description,
            leg.role,
            when,
        ]
    cursor.execute(
        "INSERT INTO accounts_entry (transaction_id, account_id, amount, balance_after,"  # noqa: S608
        " description, role, posted_at) VALUES "
        + ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(rows)),
        entry_params,
    )
    return txn_id


def _balances_update(
    cursor, connection, *, ids, accounts, when, extra_sql, extra_params
) -> int | None:
    """The accounts' new balances, their owners' ``products_version`` and the caller's own row
    (``also_insert``), whose id it returns.

    The version bump is this service's ``member_products_changed``, done in SQL in the same
    transaction as the entries (see identity.models.Member.products_version): pages cached for
    the owners' old version stop being served when the posting commits."""
    balance_case = " ".join(["WHEN %s THEN %s"] * len(ids))
    update_accounts = (
        f"UPDATE accounts_account SET balance = CASE id {balance_case} END,"  # noqa: S608
        f" available = CASE id {balance_case} END, last_posted_at = %s"
        f" WHERE id IN ({_placeholders(len(ids))})"
    )
    params = (
        [v for pk in ids for v in (pk, accounts[pk].balance)]
        + [v for pk in ids for v in (pk, accounts[pk].available)]
        + [when, *ids]
    )
    owners = sorted({a.owner_id for a in accounts.values() if a.owner_id is not None})
    bump_owners = "UPDATE identity_member SET products_version = products_version + 1"
    if owners and connection.vendor == "postgresql":
        # One round trip for both updates (and the caller's row): the busiest path.
        if extra_sql:
            cursor.execute(
                f"WITH touched AS ({update_accounts} RETURNING owner_id),"  # noqa: S608
                f" also AS ({extra_sql}) {bump_owners}"
                " WHERE id IN (SELECT owner_id FROM touched) RETURNING (SELECT id FROM also)",
                params + list(extra_params),
            )
            return cursor.fetchone()[0]
        cursor.execute(
            f"WITH touched AS ({update_accounts} RETURNING owner_id) {bump_owners}"  # noqa: S608
            " WHERE id IN (SELECT owner_id FROM touched)",
            params,
        )
        return None
    cursor.execute(update_accounts, params)
    if owners:
        cursor.execute(f"{bump_owners} WHERE id IN ({_placeholders(len(owners))})", owners)
    if extra_sql:
        cursor.execute(extra_sql, extra_params)
        return cursor.fetchone()[0]
    return None


def _field_prep(connection):
    fields = {f.name: f for f in Transaction._meta.concrete_fields}

    def prep(name, value):
        return fields[name].get_db_prep_save(value, connection)

    return prep


def _posting_time(*, requested, accounts) -> datetime:
    """When the entries are dated. Called with the accounts locked, so each account's entries
    are dated in the order they are written and every running balance reads right by date."""
    latest = max((a.last_posted_at for a in accounts if a.last_posted_at), default=None)
    now = timezone.now()
    if requested is None:
        return max(now, latest) if latest else now
    if requested > now + timedelta(minutes=1):
        raise InvalidPosting(gettext("La fecha del movimiento no puede ser futura."))
    if latest and requested < latest:
        raise InvalidPosting(
            gettext(
                "La fecha del movimiento no puede ser anterior al último movimiento de la cuenta."
            )
        )
    return requested


def hold_place(
    *, account_id: int, amount, reason: str, reference: str, created_by=None, expires_at=None
) -> Hold:
    """Reserve funds: the available balance drops now, the ledger balance when it is consumed."""
    amount = to_money(amount)
    if amount <= 0:
        raise InvalidPosting(gettext("El monto a retener debe ser mayor a cero."))
    with transaction.atomic():
        account = Account.objects.select_for_update(no_key=True).get(pk=account_id)
        # Checked under the account's lock, so a retried request finds the first one's hold.
        existing = Hold.objects.filter(reference=reference).first()
        if existing is not None:
            if existing.account_id != account.pk or existing.amount != amount:
                raise IdempotencyConflict(
                    gettext("Esta operación ya fue registrada con otros datos; inicia una nueva.")
                )
            return existing
        if account.status != Account.Status.ACTIVE:
            raise AccountNotOperable(_not_active_message(account))
        if account.available < amount:
            raise InsufficientFunds(_insufficient_funds_message(account))
        # New values computed in Decimal under the lock: SQLite would do F() arithmetic in floats.
        account.available -= amount
        account.save(update_fields=["available"])
        member_products_changed(member_ids=[account.owner_id])
        return Hold.objects.create(
            account=account,
            amount=amount,
            reason=reason[:200],
            reference=reference,
            created_by=created_by if getattr(created_by, "pk", None) else None,
            expires_at=expires_at,
        )


def hold_release(*, hold_id: int) -> bool:
    """Give reserved funds back. Returns False if the hold was already released or consumed."""
    with transaction.atomic():
        hold = Hold.objects.get(pk=hold_id)
        account = Account.objects.select_for_update(no_key=True).get(pk=hold.account_id)
        # Only one caller can move it out of ACTIVE: approval, rejection and expiry may race.
        won = Hold.objects.filter(pk=hold_id, status=Hold.Status.ACTIVE).update(
            status=Hold.Status.RELEASED, closed_at=timezone.now()
        )
        if won:
            account.available += hold.amount
            account.save(update_fields=["available"])
            member_products_changed(member_ids=[account.owner_id])
        return bool(won)


def holds_expire_due(*, now=None) -> int:
    """Release every hold whose time ran out; returns how many this call released."""
    now = now or timezone.now()
    due = Hold.objects.filter(status=Hold.Status.ACTIVE, expires_at__lte=now).values_list(
        "pk", flat=True
    )
    return sum(1 for hold_id in list(due[:500]) if hold_release(hold_id=hold_id))
