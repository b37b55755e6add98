"""Figure 4: transfers to another member per second through the whole ordering service,
``transfers.services.member_transfer`` (origin and destination checks, the funds-declaration
sum, the idempotency look-up, the member's limit row locked and the day/week/month sums, the
ledger posting and the ``Transfer`` row), beside the bare driver sending only the SQL a transfer
needs: ``ledger_bench``'s bare side (lock both accounts, insert the transaction and its two
entries, update both balances), unchanged.

As figure 1: the same processes run both sides in alternating phases started together on a
barrier, on the same funded accounts (each of another member), with the same random pairs and
amounts ($0.01-5.00).
"""

from __future__ import annotations

import os

from tests.benchmarks.ledger_bench import (
    BARE,
    LedgerResult,
    _pick,
    alternating_run,
    phases_work,
)

# Limits set high (the cooperative's maximum and each member's own): the bench measures the
# checks, not a refusal.
LIMIT = "1000000000.00"


def prepare(ids: list[int], tag: str) -> None:
    """A sign-in (the ``initiated_by`` of its transfers) and generous transfer limits for the
    member of each account (call with Django set up; the bench database is thrown away)."""
    from decimal import Decimal

    from accounts.models import Account
    from identity.models import User
    from transfers.models import CooperativeLimit, LimitCategory, MemberLimit

    CooperativeLimit.objects.filter(category=LimitCategory.MEMBER).update(
        daily=Decimal(LIMIT), weekly=Decimal(LIMIT), monthly=Decimal(LIMIT)
    )

    for account in Account.objects.filter(pk__in=ids).select_related("owner"):
        user = User(username=f"bench{tag}t{account.pk}", customer=account.owner)
        user.set_unusable_password()
        user.save()
        MemberLimit.objects.update_or_create(
            member=account.owner,
            category=LimitCategory.MEMBER,
            defaults={"daily": Decimal(LIMIT), "weekly": Decimal(LIMIT), "monthly": Decimal(LIMIT)},
        )


def _service(env, ids, rng, prefix):
    """One transfer to another member through ``member_transfer`` (Django already set up).
    The accounts and sign-ins are loaded once per process, as a view has them at hand."""
    from accounts.models import Account
    from identity.models import User
    from transfers.services.orders import Order, member_transfer

    accounts = {a.pk: a for a in Account.objects.filter(pk__in=ids).select_related("owner")}
    users = {u.customer_id: u for u in User.objects.filter(customer__accounts__pk__in=ids)}

    def one(suffix: str) -> None:
        source, target, amount = _pick(rng, ids)
        origin = accounts[source]
        order = Order(
            user=users[origin.owner_id],
            member=origin.owner,
            origin=origin,
            amount=amount,
            memo="Bench",
            idempotency_key=prefix + suffix,
            channel="WEB",
            # Thousands of transfers a day pass the threshold: declared, as a member would.
            funds_origin="Ahorros",
            funds_purpose="Pago a proveedor",
        )
        member_transfer(order=order, destination=accounts[target])

    return one, lambda: None


def _worker(env, engine, ids, schedule, barrier, results, seed, tag) -> None:
    def sides(rng):
        return {
            "bare": BARE[engine](env, ids, rng, f"bench-tbare-{tag}-{os.getpid()}-"),
            "service": _service(env, ids, rng, f"bench-transfer-{tag}-{os.getpid()}-"),
        }

    phases_work(env, schedule, barrier, results, seed, sides)


def run(
    *, env: dict, engine: str, ids: list[int], processes: int, seconds: float, rounds: int, tag: str
) -> dict[str, LedgerResult]:
    """``seconds`` per side, split into ``rounds`` alternating phases (as ``ledger_bench.run``)."""
    return alternating_run(
        worker=_worker,
        label="transfer",
        seed_base=2000,
        env=env,
        engine=engine,
        ids=ids,
        processes=processes,
        seconds=seconds,
        rounds=rounds,
        tag=tag,
    )


def check_transfers(tag: str, expected: int) -> str:
    """Every service-side posting left exactly one Transfer row (call with Django set up)."""
    from transfers.models import Transfer

    made = Transfer.objects.filter(idempotency_key__startswith=f"bench-transfer-{tag}-").count()
    if made != expected:
        raise RuntimeError(f"{made} Transfer rows for {expected} transfers of the service side")
    return f"{made:,} Transfer rows, one per transfer of the service side"
