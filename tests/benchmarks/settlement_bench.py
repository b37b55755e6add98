"""Figure 5: one settlement cycle over 10,000 pending batch (LOTE) interbank transfers.

``transfers.services.settlement.cycle_run`` (``batch_prepare`` claims the due transfers and
writes the file; ``batch_send`` hands it to the ``SimulatedGateway`` and marks everything sent),
then ``results_apply`` (the simulator's answer applied transfer by transfer: ACREDITADA, or
DEVUELTA with the return posting and the member's e-mail).

Each step runs in a fresh process (multiprocessing, spawn), and its memory figure is **peak RSS
growth**: the process's resident high-water mark during the step (Linux: ``VmHWM`` of
``/proc/self/status``, reset by writing 5 to ``/proc/self/clear_refs`` just before the step)
minus its resident size at that moment (after ``django.setup()``, the database connection and
a ``gc.collect()``). That counts everything the step holds at its peak, the database driver's
result buffers included, which ``tracemalloc`` would not see. ``ru_maxrss`` is not used where
the reset works: a spawned child inherits in it the parent's resident size from before
``exec``. Where it does not (no ``/proc``), ``ru_maxrss`` is the fallback, an upper bound.

The transfers are written in bulk (``build``), not ordered one by one, to keep the setup short.
The rows are what ``interbank_transfer`` leaves, so they are what a cycle sees: one
INTERBANK_TRANSFER transaction per transfer with its six entries (amount to the clearing
account, fee, VAT), running balances and account balances that add up, and the PENDIENTE
``Transfer`` row with the payee's snapshot, due on the cycle's business day.
"""

from __future__ import annotations

import gc
import os
import random
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from tests.benchmarks.processes import in_fresh_process, peak_reset, peak_rss_mb, rss_mb

TRANSFERS = 10_000
ORIGINS = 50  # members ordering them, 200 transfers each
REJECTED_EVERY = 100  # 1 payee in 100 has an account the simulated central bank rejects
REJECTED_ENDINGS = ("99", "98", "97")  # see transfers.services.gateway.SIMULATED_REJECTIONS
NAMES = [
    "MARÍA JOSÉ ÑÁÑEZ PÉREZ",
    "JOSÉ LUIS CHÁVEZ MUÑOZ",
    "ANDREA CAROLINA YÉPEZ",
    "CONSTRUCTORA PICHINCHA S.A.",
    "LUIS ALFONSO GUAMÁN QUISHPE",
]
PROFILE_LINES = 30


@dataclass
class SettlementData:
    cycle_at: datetime  # a moment of the business day every transfer is due on
    transfers: int
    rejected: int
    setup_s: float
    # What ``ledger_problems`` already said before the setup (other figures' bare-SQL sides
    # write entries the service would not); settlement must add nothing to it.
    problems_before: frozenset[str] = frozenset()


@dataclass
class StepResult:
    seconds: float
    cpu_s: float
    rss_before_mb: float
    peak_growth_mb: float
    parts: dict[str, float] = field(default_factory=dict)  # seconds of named sub-steps
    outcome: dict = field(default_factory=dict)
    profile: str = ""


def build(*, tag: str, transfers: int = TRANSFERS, origins: int = ORIGINS) -> SettlementData:
    """Members, funded accounts and ``transfers`` PENDIENTE batch transfers (Django set up)."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import (
        Account,
        Channel,
        Entry,
        InternalAccount,
        Product,
        Transaction,
        TransactionKind,
    )
    from accounts.services.integrity import ledger_problems
    from accounts.services.ledger import (
        Leg,
        _fingerprint,
        _normalise,
        internal_account_id,
        transaction_post,
    )
    from identity.models import IdType, Member, User
    from transfers.models import AccountType, Institution, Transfer
    from transfers.services import calendar
    from transfers.services.fees import interbank_fee

    problems_before = frozenset(ledger_problems(limit=10**6))
    started = time.perf_counter()
    rng = random.Random(20260202)
    fee, vat = interbank_fee()
    banks = list(
        Institution.objects.filter(
            settlement=Institution.Settlement.BATCH, active=True, is_self=False
        ).order_by("code")
    )
    clearing = internal_account_id(InternalAccount.INTERBANK_CLEARING)
    fee_income = internal_account_id(InternalAccount.FEE_INCOME)
    vat_payable = internal_account_id(InternalAccount.VAT_PAYABLE)
    cash = internal_account_id(InternalAccount.CASH)
    day = calendar.next_business_day(timezone.localdate())
    cycle_at = timezone.make_aware(datetime.combine(day, clock(9)))

    members = Member.objects.bulk_create(
        Member(
            id_type=IdType.CEDULA,
            identification=f"8{tag}{i:03d}",
            first_names=f"SOCIA {i}",
            last_names="CARGA SPI",
            email=f"spi{tag}{i}@example.com",
        )
        for i in range(origins)
    )
    users = []
    for member in members:
        user = User(username=f"bench{tag}s{member.pk}", customer=member)
        user.set_unusable_password()
        users.append(user)
    users = User.objects.bulk_create(users)
    accounts = Account.objects.bulk_create(
        Account(number=f"66{tag}{i:04d}", product=Product.SAVINGS, owner=member)
        for i, member in enumerate(members)
    )
    per_origin = -(-transfers // origins)
    for account in accounts:  # through the posting service, like a deposit at the counter
        amount = (Decimal("500.41") * per_origin).quantize(Decimal("1"))
        transaction_post(
            kind=TransactionKind.DEPOSIT,
            legs=[Leg(account.pk, amount, "DEPÓSITO AHORROS"), Leg(cash, -amount, "DEPÓSITO")],
            idempotency_key=f"bench-spi-fund-{tag}-{account.pk}",
            channel=Channel.BRANCH,
        )

    with transaction.atomic():
        ids = [a.pk for a in accounts] + [clearing, fee_income, vat_payable]
        state = {
            a.pk: [a.balance, a.available, a.last_posted_at]
            for a in Account.objects.select_for_update().filter(pk__in=ids)
        }
        latest = max(s[2] for s in state.values() if s[2] is not None)
        base = max(timezone.now(), latest) + timedelta(milliseconds=1)
        principal = "ND TRANSFERENCIA PAGO DIRECTO"
        fee_text = "COMISIÓN TRANSFERENCIA PAGO DIRECTO"
        vat_text = "IVA TRANSFERENCIA PAGO DIRECTO"
        orders, txns = [], []
        for n in range(transfers):
            i = n % origins
            origin, bank = accounts[i], banks[n % len(banks)]
            amount = Decimal(rng.randint(100, 50000)).scaleb(-2)
            ending = (
                REJECTED_ENDINGS[(n // REJECTED_EVERY) % 3]
                if n % REJECTED_EVERY == REJECTED_EVERY - 1
                else f"{n % 97:02d}"
            )
            payee = {
                "number": f"22{n:06d}{ending}",
                "name": NAMES[n % len(NAMES)],
                "identification": f"17{n:08d}",
                "bank": bank,
            }
            legs = _normalise(
                [
                    Leg(origin.pk, -amount, principal),
                    Leg(clearing, amount, principal),
                    Leg(origin.pk, -fee, fee_text, Entry.Role.FEE),
                    Leg(fee_income, fee, fee_text, Entry.Role.FEE),
                    Leg(origin.pk, -vat, vat_text, Entry.Role.VAT),
                    Leg(vat_payable, vat, vat_text, Entry.Role.VAT),
                ]
            )
            key = f"bench-spi-{tag}-{n}"
            posted = base + timedelta(microseconds=n)
            orders.append((origin, users[i], amount, payee, key, legs, posted))
            txns.append(
                Transaction(
                    kind=TransactionKind.INTERBANK_TRANSFER,
                    channel=Channel.WEB,
                    memo="Pago proveedor",
                    idempotency_key=key,
                    fingerprint=_fingerprint(TransactionKind.INTERBANK_TRANSFER, legs, ()),
                    initiated_by=users[i],
                    posted_at=posted,
                    details={
                        "beneficiary": {
                            "name": payee["name"],
                            "identification": "*****" + payee["identification"][-4:],
                            "account": f"AHORROS *****{payee['number'][-4:]}",
                            "institution": bank.name,
                        }
                    },
                )
            )
        txns = Transaction.objects.bulk_create(txns, batch_size=2000)
        entries, rows = [], []
        for (origin, user, amount, payee, key, legs, posted), txn in zip(orders, txns, strict=True):
            for leg in legs:
                account = state[leg.account_id]
                account[0] += leg.amount
                account[1] += leg.amount
                account[2] = posted
                entries.append(
                    Entry(
                        transaction_id=txn.pk,
                        account_id=leg.account_id,
                        amount=leg.amount,
                        balance_after=account[0],
                        description=leg.description,
                        role=leg.role,
                        posted_at=posted,
                    )
                )
            rows.append(
                Transfer(
                    kind=Transfer.Kind.INTERBANK,
                    status=Transfer.Status.PENDING,
                    member_id=origin.owner_id,
                    initiated_by=user,
                    channel=Channel.WEB,
                    origin=origin,
                    institution=payee["bank"],
                    to_account_number=payee["number"],
                    to_account_type=AccountType.SAVINGS,
                    to_name=payee["name"],
                    to_id_type=IdType.CEDULA,
                    to_identification=payee["identification"],
                    amount=amount,
                    fee=fee,
                    vat=vat,
                    memo="Pago proveedor",
                    idempotency_key=key,
                    transaction_id=txn.pk,
                    settlement=Institution.Settlement.BATCH,
                    process_date=day,
                )
            )
        Entry.objects.bulk_create(entries, batch_size=5000)
        for pk, (balance, available, last) in state.items():
            Account.objects.filter(pk=pk).update(
                balance=balance, available=available, last_posted_at=last
            )
        Transfer.objects.bulk_create(rows, batch_size=2000)
    rejected = sum(1 for r in rows if r.to_account_number[-2:] in REJECTED_ENDINGS)
    return SettlementData(
        cycle_at=cycle_at,
        transfers=transfers,
        rejected=rejected,
        setup_s=time.perf_counter() - started,
        problems_before=problems_before,
    )


def _timed_calls(module, names, parts):
    """Wrap module functions so their time adds up in ``parts`` (cycle_run looks them up in
    the module at each call)."""
    for name in names:
        original = getattr(module, name)

        def wrapper(*args, _original=original, _name=name, **kwargs):
            t0 = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                parts[_name] = parts.get(_name, 0.0) + time.perf_counter() - t0

        setattr(module, name, wrapper)


def _step(env, step, cycle_at, profile, results) -> None:
    os.environ.update(env)
    try:
        import django

        django.setup()
        from django.db import connection

        from transfers.services import settlement

        connection.ensure_connection()
        parts: dict[str, float] = {}
        if step == "cycle":
            _timed_calls(settlement, ("batch_prepare", "batch_send"), parts)

            def work():
                result = settlement.cycle_run(now=cycle_at)
                return {
                    "business_day": result.business_day,
                    "prepared": result.prepared.pk if result.prepared else None,
                    "sent": result.sent,
                    "failed": result.failed,
                }
        else:

            def work():
                summary = settlement.results_apply()
                return {
                    "credited": summary.credited,
                    "returned": summary.returned,
                    "failed": summary.failed,
                    "answered": summary.answered,
                }

        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
        gc.collect()
        reset = peak_reset()
        before = rss_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        outcome = work()
        if profiler:
            profiler.disable()
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        peak = peak_rss_mb(reset=reset)
        text = ""
        if profiler:
            import io
            import pstats

            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(PROFILE_LINES)
            text = out.getvalue()
        results.put(
            (
                "ok",
                StepResult(
                    seconds=seconds,
                    cpu_s=cpu,
                    rss_before_mb=before,
                    peak_growth_mb=max(peak - before, 0.0),
                    parts=parts,
                    outcome=outcome,
                    profile=text,
                ),
            )
        )
    except BaseException:
        results.put(("error", traceback.format_exc()))
    finally:
        from django.db import connections

        connections.close_all()


def run_step(*, env: dict, step: str, cycle_at: datetime, profile: bool = False) -> StepResult:
    """``step`` is "cycle" (cycle_run) or "results" (results_apply), in a fresh process."""
    return in_fresh_process(_step, (env, step, cycle_at, profile), f"bench-spi-{step}", timeout=900)


def check_sent(data: SettlementData) -> str:
    """After cycle_run: one batch with every transfer, sent once (Django set up)."""
    from transfers.models import SettlementBatch, Transfer
    from transfers.services.gateway import SimulatedGateway

    batches = list(SettlementBatch.objects.all())
    sent = Transfer.objects.filter(status=Transfer.Status.SENT, batch__isnull=False).count()
    received = SimulatedGateway().batches_received()
    if (
        len(batches) != 1
        or batches[0].status != SettlementBatch.Status.SENT
        or batches[0].count != data.transfers
        or sent != data.transfers
        or [r["submissions"] for r in received] != [1]
    ):
        raise RuntimeError(
            f"after the cycle: {len(batches)} batches, {sent} transfers sent, "
            f"{len(received)} files received"
        )
    return f"1 batch of {batches[0].count:,} transfers ({batches[0].total:,} USD) sent once"


def check_applied(data: SettlementData) -> str:
    """After results_apply: every transfer settled and the ledger still adds up."""
    from django.db.models import Count

    from accounts.services.integrity import ledger_problems
    from transfers.models import SettlementBatch, Transfer

    interbank = Transfer.objects.filter(kind=Transfer.Kind.INTERBANK)
    by_status = dict(
        interbank.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    expected = {
        Transfer.Status.CREDITED: data.transfers - data.rejected,
        Transfer.Status.RETURNED: data.rejected,
    }
    if by_status != expected:
        raise RuntimeError(f"after the results: {by_status}, expected {expected}")
    if SettlementBatch.objects.exclude(status=SettlementBatch.Status.ANSWERED).exists():
        raise RuntimeError("after the results: a batch is not RESPONDIDO")
    problems = [p for p in ledger_problems(limit=10**6) if p not in data.problems_before]
    if problems:
        raise RuntimeError("ledger problems after settlement:\n" + "\n".join(problems[:10]))
    before = len(data.problems_before)
    return (
        f"{expected[Transfer.Status.CREDITED]:,} credited, {data.rejected} returned with "
        "their postings; ledger_problems() reports nothing new"
        + (f" ({before} from before the setup, see the README)" if before else " (none at all)")
    )
