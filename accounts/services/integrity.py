"""The ledger's invariants, checked over the whole database."""

from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, Window
from django.db.models.functions import Abs, Coalesce
from django.utils.translation import gettext

from ..models import Account, Entry, Hold, Transaction
from ..registries.integrity import registered_problems

HALF_CENT = Decimal("0.005")
ZERO = Value(0, output_field=DecimalField(max_digits=18, decimal_places=2))


def _sum_of(queryset):
    return Coalesce(Subquery(queryset.values("total")[:1]), ZERO)


def _nonzero(field: str) -> Q:
    # SQLite sums decimals as floats; half a cent of tolerance still catches every real error.
    return Q(**{f"{field}__gt": HALF_CENT}) | Q(**{f"{field}__lt": -HALF_CENT})


def ledger_problems(limit: int = 50) -> list[str]:
    """Every broken invariant, at most ``limit`` of each kind, in words for the operator."""
    accounts = _accounts_with_totals()
    return [
        *_unbalanced_transactions(limit),
        *_running_balances_out_of_order(limit),
        *_balances_not_their_entries(accounts, limit),
        *_available_not_balance_less_holds(accounts, limit),
        *_negative_balances(limit),
        *_repeated_idempotency_keys(limit),
        *registered_problems(limit),
    ]


def _unbalanced_transactions(limit: int) -> list[str]:
    unbalanced = (
        Transaction.objects.annotate(
            total=Coalesce(Sum("entries__amount"), ZERO), lines=Count("entries")
        )
        .filter(_nonzero("total") | Q(lines__lt=2))
        .values_list("pk", "total", "lines")[:limit]
    )
    return [
        gettext(
            "Transacción %(transaction)s: sus %(lines)s movimientos suman %(total)s "
            "(deben sumar 0 y ser al menos 2)."
        )
        % {"transaction": f"{pk:08d}", "lines": lines, "total": total}
        for pk, total, lines in unbalanced
    ]


def _running_balances_out_of_order(limit: int) -> list[str]:
    # Each entry's running balance is the sum of its account's entries up to it, in date order.
    running = Entry.objects.annotate(
        running=Window(
            Sum("amount"),
            partition_by=[F("account_id")],
            order_by=[F("posted_at").asc(), F("id").asc()],
        )
    ).annotate(gap=Abs(F("balance_after") - F("running")))
    out_of_order = running.filter(gap__gt=HALF_CENT).values_list(
        "account__number", "transaction_id"
    )
    return [
        gettext(
            "Cuenta %(account)s: el saldo del movimiento de la transacción %(transaction)s no es "
            "la suma de los movimientos hasta él."
        )
        % {"account": number, "transaction": f"{txn:08d}"}
        for number, txn in out_of_order[:limit]
    ]


def _accounts_with_totals():
    """Accounts with the sum of their entries and of their active holds."""
    entry_sums = (
        Entry.objects.filter(account=OuterRef("pk")).values("account").annotate(total=Sum("amount"))
    )
    hold_sums = (
        Hold.objects.filter(account=OuterRef("pk"), status=Hold.Status.ACTIVE)
        .values("account")
        .annotate(total=Sum("amount"))
    )
    return Account.objects.annotate(
        entries_total=_sum_of(entry_sums), held_total=_sum_of(hold_sums)
    )


def _balances_not_their_entries(accounts, limit: int) -> list[str]:
    wrong_balance = accounts.annotate(diff=F("balance") - F("entries_total")).filter(
        _nonzero("diff")
    )
    return [
        gettext(
            "Cuenta %(number)s: saldo contable %(balance)s distinto de la suma de sus "
            "movimientos %(entries_total)s."
        )
        % {
            "number": account.number,
            "balance": account.balance,
            "entries_total": account.entries_total,
        }
        for account in wrong_balance[:limit]
    ]


def _available_not_balance_less_holds(accounts, limit: int) -> list[str]:
    wrong_available = (
        accounts.filter(internal_code__isnull=True)
        .annotate(diff=F("available") - F("balance") + F("held_total"))
        .filter(_nonzero("diff"))
    )
    return [
        gettext(
            "Cuenta %(number)s: saldo disponible %(available)s distinto de saldo contable "
            "%(balance)s menos retenciones %(held_total)s."
        )
        % {
            "number": a.number,
            "available": a.available,
            "balance": a.balance,
            "held_total": a.held_total,
        }
        for a in wrong_available[:limit]
    ]


def _negative_balances(limit: int) -> list[str]:
    negative = Account.objects.filter(internal_code__isnull=True).filter(
        Q(balance__lt=0) | Q(available__lt=0)
    )
    return [
        gettext("Cuenta %(number)s: saldo negativo (%(balance)s, disponible %(available)s).")
        % {"number": a.number, "balance": a.balance, "available": a.available}
        for a in negative[:limit]
    ]


def _repeated_idempotency_keys(limit: int) -> list[str]:
    duplicates = (
        Transaction.objects.values("idempotency_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)[:limit]
    )
    return [
        gettext("Clave de idempotencia repetida: %(key)s (%(count)s veces).")
        % {"key": d["idempotency_key"], "count": d["n"]}
        for d in duplicates
    ]
