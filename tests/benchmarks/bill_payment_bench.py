"""Figure: bill payments per second through the whole paying service,
``payments.services.bills.bill_pay`` (biller and origin checks, the reference and amount
rules, the fee and VAT, the idempotency look-up, the one ledger posting — amount to payments in
transit, fee, VAT — with the ``Payment`` row, then the simulated biller's answer through the
gateway's timed worker thread; and, counted in the timed phase, the settlement sweep that moves
confirmed payments in transit → biller settlement, run every ``SETTLE_EVERY`` payments of each
process — far more often than the beat's once a minute, so its share is not understated),
inquiry excluded, beside the same bare driver side as the transfer figure (``ledger_bench``'s
bare SQL of one transfer, unchanged).

As the transfer figure: the same processes run both sides in alternating phases started
together on a barrier, on the same funded accounts, with random origins and amounts
($0.01-5.00), paying a typed-amount biller with a fee (CNT TELEFONÍA FIJA: $0.30 + VAT) whose
references the simulator pays at once.
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

BILLER = "cnt-telefonia-fija"
SETTLE_EVERY = 100


def prepare(ids: list[int], tag: str) -> None:
    """The demo catalogue and a sign-in for the member of each account (call with Django set
    up; the bench database is thrown away). Sign-ins made by the transfer figure are reused."""
    from accounts.models import Account
    from identity.models import User
    from payments.services.catalogue import demo_catalogue_ensure

    demo_catalogue_ensure()
    for account in Account.objects.filter(pk__in=ids).select_related("owner"):
        User.objects.get_or_create(
            username=f"bench{tag}t{account.pk}", defaults={"customer": account.owner}
        )


def _service(env, ids, rng, prefix):
    """One bill payment through ``bill_pay`` (Django already set up). The accounts, sign-ins
    and the biller are loaded once per process, as a view has them at hand."""
    from accounts.models import Account
    from identity.models import User
    from payments.models import Biller
    from payments.services.bills import PaymentOrder, bill_pay, payments_settle

    accounts = {a.pk: a for a in Account.objects.filter(pk__in=ids).select_related("owner")}
    users = {u.customer_id: u for u in User.objects.filter(customer__accounts__pk__in=ids)}
    biller = Biller.objects.select_related("category").get(code=BILLER)
    made = [0]

    def one(suffix: str) -> None:
        source, _target, amount = _pick(rng, ids)
        origin = accounts[source]
        # Nine digits, never ending in a pattern the simulator does not pay at once (93-98).
        reference = f"02{rng.randint(10000, 99999)}{rng.randint(10, 89):02d}"
        payment = bill_pay(
            order=PaymentOrder(
                user=users[origin.owner_id],
                member=origin.owner,
                origin=origin,
                biller=biller,
                reference=reference,
                reference_fields={"telefono": reference},
                bill=None,
                amount=amount,
                idempotency_key=prefix + suffix,
                channel="WEB",
            )
        )
        if payment.status != "PAGADO":
            raise RuntimeError(f"pago {payment.pk} quedó {payment.status}")
        made[0] += 1
        if made[0] % SETTLE_EVERY == 0:
            payments_settle()

    return one, payments_settle


def _worker(env, engine, ids, schedule, barrier, results, seed, tag) -> None:
    def sides(rng):
        return {
            "bare": BARE[engine](env, ids, rng, f"bench-pbare-{tag}-{os.getpid()}-"),
            "service": _service(env, ids, rng, f"bench-bill-{tag}-{os.getpid()}-"),
        }

    phases_work(env, schedule, barrier, results, seed, sides)


def run(
    *, env: dict, engine: str, ids: list[int], processes: int, seconds: float, rounds: int, tag: str
) -> dict[str, LedgerResult]:
    """``seconds`` per side, split into ``rounds`` alternating phases (as ``ledger_bench.run``)."""
    return alternating_run(
        worker=_worker,
        label="bill payment",
        seed_base=5000,
        env=env,
        engine=engine,
        ids=ids,
        processes=processes,
        seconds=seconds,
        rounds=rounds,
        tag=tag,
    )


def check_payments(tag: str, expected: int) -> str:
    """Every service-side payment is one PAGADO Payment row, settled, and nothing is left in
    transit (call with Django set up)."""
    from accounts.models import Account, InternalAccount
    from payments.models import Payment

    made = Payment.objects.filter(idempotency_key__startswith=f"bench-bill-{tag}-")
    paid = made.filter(status=Payment.Status.PAID, settlement_transaction__isnull=False).count()
    if paid != expected or made.count() != expected:
        raise RuntimeError(f"{paid} paid Payment rows for {expected} payments of the service side")
    transit = Account.objects.get(internal_code=InternalAccount.PAYMENTS_IN_TRANSIT).balance
    if transit != 0:
        raise RuntimeError(f"payments in transit left at {transit}")
    return f"{paid:,} Payment rows, each settled; nothing left in transit"
