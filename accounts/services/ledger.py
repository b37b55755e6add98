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

from common.database import prepared_cursor
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
    InternalAccount.PAYMENTS_IN_TRANSIT: "9900000010",
}


def internal_accounts_ensure() -> None:
    """The cooperative's own accounts exist (a migration creates them; a flushed test database
    or a new internal account added later gets them here)."""
    for code, number in INTERNAL_ACCOUNT_NUMBERS.items():
        _account, created = Account.objects.get_or_create(
            internal_code=code, defaults={"number": number, "product": Product.INTERNAL}
        )
        if created:
            shared_ids_forget()


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

    ``also_insert(transaction_id) -> (sql, params)``: one ``INSERT … RETURNING id`` (or a
    conditional ``UPDATE … RETURNING id``) of the caller's own row about this posting (a
    transfer, an order, a payment settled), written by the posting's last statement on
    PostgreSQL instead of a round trip of its own; its id is ``txn.also_id`` (None when the
    update matched no row: the caller then rolls its transaction back).
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
    txn = Transaction(
        kind=kind,
        channel=channel,
        memo=memo[:200],
        reason=reason,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        initiated_by=initiated_by if getattr(initiated_by, "pk", None) else None,
        details=details,
    )
    if connection.vendor == "postgresql" and posted_at is None:
        shared = [pk for pk in ids if pk in _shared_ids()]
        if shared and _post_shared_last(
            connection, txn, legs, ids, shared, consume_holds=consume_holds, also_insert=also_insert
        ):
            return _saved(txn, connection)
    accounts = _accounts_lock(connection, ids)
    posted_at = _posting_time(requested=posted_at, accounts=accounts.values())
    if consume_holds:
        _holds_consume(hold_ids=consume_holds, accounts=accounts, closed_at=posted_at)
    rows = _legs_apply(legs, accounts)
    txn.posted_at = posted_at
    prep = _field_prep(connection)
    when = prep("posted_at", posted_at)
    with prepared_cursor(connection) as cursor:
        # A concurrent duplicate of this key queued behind our locks; when it gets them, this
        # insert fails on the unique index and the caller returns our transaction instead.
        if connection.vendor == "postgresql":
            txn.pk = _entries_insert_postgresql(cursor, _txn_params(txn, prep), rows, when)
        else:
            txn.pk = _entries_insert_sqlite(cursor, _txn_params(txn, prep), rows, when)
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
    return _saved(txn, connection)


def _txn_params(txn: Transaction, prep) -> list:
    return [
        txn.kind,
        txn.channel,
        txn.memo,
        txn.reason,
        txn.idempotency_key,
        txn.fingerprint,
        txn.initiated_by_id,
        prep("posted_at", txn.posted_at),
        prep("details", txn.details),
    ]


def _saved(txn: Transaction, connection) -> Transaction:
    txn._state.adding = False
    txn._state.db = connection.alias
    return txn


# --- The cooperative's shared accounts, locked last (PostgreSQL) ------------------------------
#
# Every bill payment credits payments in transit, fee income and VAT payable; every card or
# loan payment its portfolio. Held from the first statement to the commit, those few rows
# would make all postings queue one behind another. So a posting locks its own accounts first
# (the members', in id order, with the funds checks in Python as always), then the shared ones
# in its last statement, which also writes everything: the shared rows are held for that one
# statement and the commit. Lock order is (internal account?, id) everywhere (see
# ``_accounts_lock``): no two postings can deadlock.

_shared: set[int] | None = None


def _shared_ids() -> set[int]:
    """Ids of the cooperative's own accounts (``internal_code`` set), kept per process. A stale
    set is harmless: an internal account missing from it is locked the ordinary way, and an id
    in it that is not internal (a reset database) is found out before anything is written."""
    global _shared
    if _shared is None:
        _shared = set(
            Account.objects.filter(internal_code__isnull=False).values_list("pk", flat=True)
        )
    return _shared


def shared_ids_forget(**kwargs) -> None:
    global _shared
    _shared = None


_COLUMNS = "id, number, status, internal_code, balance, available, last_posted_at, owner_id"


def _post_shared_last(
    connection, txn, legs, ids, shared, *, consume_holds, also_insert
) -> Transaction | None:
    """The posting in two statements: its own accounts locked (with the transaction's id
    drawn), then one statement that locks the shared accounts and writes the transaction, the
    entries, every balance, the owners' version and the caller's row. None (nothing written)
    if the shared set was stale: the caller posts the ordinary way."""
    own = [pk for pk in ids if pk not in shared]
    accounts, txn.pk = _own_lock_shared_read(connection, own, shared)
    if len(accounts) != len(ids):
        raise InvalidPosting(gettext("Una de las cuentas no existe."))
    if any(not accounts[pk].is_internal for pk in shared):
        shared_ids_forget()
        return None
    # Later than every own account's last movement; the statement moves it past the shared
    # accounts' too, under their locks.
    posted_at = _posting_time(requested=None, accounts=[accounts[pk] for pk in own])
    if consume_holds:
        _holds_consume(hold_ids=consume_holds, accounts=accounts, closed_at=posted_at)
    rows = _legs_apply(legs, accounts)  # status and funds; shared balances are the database's
    prep = _field_prep(connection)
    txn.posted_at = posted_at
    extra_sql, extra_params = also_insert(txn.pk) if also_insert else (None, [])
    sql, params = _shared_last_sql(
        txn, prep, rows, accounts, own, shared, extra_sql, list(extra_params)
    )
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        at, updated, also_id = cursor.fetchone()
    if updated != len(shared):
        raise InvalidPosting(gettext("Una de las cuentas no existe."))
    txn.posted_at = _aware(at)
    if extra_sql:
        txn.also_id = also_id
    return txn


def _own_lock_shared_read(connection, own, shared) -> tuple[dict[int, _Locked], int]:
    """The own accounts locked (id order) and the shared ones read (status, kind) without a
    lock, with a new transaction id, in one round trip."""
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            f"WITH own AS (SELECT {_COLUMNS} FROM accounts_account"  # noqa: S608 - placeholders only
            f" WHERE id IN ({_placeholders(len(own)) or 'NULL'}) ORDER BY id FOR NO KEY UPDATE),"
            " n AS (SELECT nextval(pg_get_serial_sequence('accounts_transaction', 'id')) AS id)"
            " SELECT own.*, n.id FROM own, n UNION ALL"
            f" SELECT a.{_COLUMNS.replace(', ', ', a.')}, n.id FROM accounts_account a, n"
            f" WHERE a.id IN ({_placeholders(len(shared))})",
            [*own, *shared],
        )
        found = cursor.fetchall()
    accounts = {
        row[0]: _Locked(
            row[0], row[1], row[2], row[3], _decimal(row[4]), _decimal(row[5]), row[6], row[7]
        )
        for row in found
    }
    return accounts, found[0][8]


def _shared_last_sql(txn, prep, rows, accounts, own, shared, extra_sql, extra_params):
    """The last statement of a posting with shared accounts (see ``_post_shared_last``)."""
    shared_set = set(shared)
    values = ", ".join(["(%s::int, %s::bigint, %s::numeric, %s::numeric, %s, %s)"] * len(rows))
    legs_params = [
        v
        for n, (leg, balance_after) in enumerate(rows)
        for v in (
            n,
            leg.account_id,
            leg.amount,
            None if leg.account_id in shared_set else balance_after,
            leg.description,
            leg.role,
        )
    ]
    marks = _placeholders(len(shared))
    sql = (
        f"WITH hot AS (SELECT id, balance, available, last_posted_at FROM accounts_account"  # noqa: S608
        f" WHERE id IN ({marks}) ORDER BY id FOR NO KEY UPDATE),"
        " at AS (SELECT GREATEST(%s::timestamptz, MAX(last_posted_at)) AS at FROM hot),"
        f" v(ord, account_id, amount, balance_after, description, role) AS (VALUES {values}),"
        f" delta AS (SELECT account_id, SUM(amount) AS amount FROM v WHERE account_id IN ({marks})"
        " GROUP BY account_id),"
        " shared_upd AS (UPDATE accounts_account a SET balance = hot.balance + delta.amount,"
        " available = hot.available + delta.amount, last_posted_at = at.at FROM hot, delta, at"
        " WHERE a.id = hot.id AND delta.account_id = hot.id RETURNING a.id),"
        " txn AS (INSERT INTO accounts_transaction (id, kind, channel, memo, reason,"
        " idempotency_key, fingerprint, initiated_by_id, details, posted_at)"
        " SELECT %s::bigint, %s, %s, %s, %s, %s, %s, %s::bigint, %s::jsonb, at.at FROM at"
        " RETURNING id),"
        " entries AS (INSERT INTO accounts_entry (transaction_id, account_id, amount,"
        " balance_after, description, role, posted_at) SELECT txn.id, v.account_id, v.amount,"
        " COALESCE(v.balance_after, hot.balance"
        " + SUM(v.amount) OVER (PARTITION BY v.account_id ORDER BY v.ord)),"
        " v.description, v.role, at.at FROM txn, at, v LEFT JOIN hot ON hot.id = v.account_id"
        " ORDER BY v.ord RETURNING 1)"
    )
    params = [*shared, prep("posted_at", txn.posted_at), *legs_params, *shared]
    params += [txn.pk, *_txn_params(txn, prep)[:7], prep("details", txn.details)]
    if own:
        case = " ".join(["WHEN %s THEN %s"] * len(own))
        sql += (
            f", own_upd AS (UPDATE accounts_account SET balance = CASE accounts_account.id {case}"  # noqa: S608
            f" END, available = CASE accounts_account.id {case} END, last_posted_at = at.at"
            f" FROM at WHERE accounts_account.id IN ({_placeholders(len(own))})"
            " RETURNING owner_id),"
            " bump AS (UPDATE identity_member SET products_version = products_version + 1"
            " WHERE id IN (SELECT owner_id FROM own_upd))"
        )
        params += [v for pk in own for v in (pk, accounts[pk].balance)]
        params += [v for pk in own for v in (pk, accounts[pk].available)]
        params += own
    if extra_sql:
        sql += f", also AS ({extra_sql})"
        params += extra_params
    also = "(SELECT id FROM also)" if extra_sql else "NULL"
    sql += f" SELECT at.at, (SELECT count(*) FROM shared_upd), {also} FROM at"  # noqa: S608
    return sql, params


def _accounts_lock(connection, ids: list[int]) -> dict[int, _Locked]:
    # Locks members' accounts first, then the cooperative's own, each in id order (the order
    # ``_post_shared_last`` keeps too): two postings over the same accounts queue instead of
    # deadlocking.
    # NO KEY UPDATE still lets other transactions insert entries referencing these rows.
    lock = " FOR NO KEY UPDATE" if connection.vendor == "postgresql" else ""
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            "SELECT id, number, status, internal_code, balance, available, last_posted_at, owner_id"  # noqa: S608 - only placeholders are interpolated
            f" FROM accounts_account WHERE id IN ({_placeholders(len(ids))})"
            f" ORDER BY internal_code IS NOT NULL, id{lock}",
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
    if extra_sql and connection.vendor == "postgresql":
        # No member's account (the cooperative's own accounts only): still one round trip.
        cursor.execute(
            f"WITH touched AS ({update_accounts} RETURNING id), also AS ({extra_sql})"  # noqa: S608
            " SELECT (SELECT id FROM also)",
            params + list(extra_params),
        )
        return cursor.fetchone()[0]
    cursor.execute(update_accounts, params)
    if owners:
        cursor.execute(f"{bump_owners} WHERE id IN ({_placeholders(len(owners))})", owners)
    if extra_sql:
        cursor.execute(extra_sql, extra_params)
        row = cursor.fetchone()
        return row[0] if row else None
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
