"""A 50,000-movement statement PDF built by the background job, and the memory it takes.

``build`` writes 50,000 movements of one account in bulk (one DEPOSIT or WITHDRAWAL transaction
each, against the cash account, running balances and account balances that add up), dated
after every other entry of the bench, 1 ms apart, within one month. ``run`` then does what a
Celery worker does with a statement too long for the page: in a fresh process (spawn, Django
set up, like a worker before its first task) it creates the ``ExportJob`` and calls
``accounts.services.exports.export_job_execute``: the rows are read 2,000 at a time, rendered
``PDF_CHUNK_ROWS`` at a time in the PDF child, numbered and joined there, and the file is saved.

Memory, resident set size:

* the worker process: its ``VmHWM`` at the end (its resident high-water mark over its whole
  life, Django's start-up included, not only the growth);
* the PDF children: the highest ``VmHWM`` of any of them, sampled every 0.2 s by a thread of
  the worker process while they live.

``statement_50k_rows_peak_mb`` is their sum: an upper bound of what the job holds at any one
moment (the two peaks need not coincide).
"""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import subprocess
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from tests.benchmarks.processes import children as child_processes
from tests.benchmarks.processes import in_fresh_process, status_mb

ROWS = 50_000
SAMPLE_S = 0.2


@dataclass
class Statement50k:
    account_id: int
    user_id: int
    month: object  # date, first of the month
    rows: int
    setup_s: float


@dataclass
class Statement50kResult:
    seconds: float
    worker_peak_mb: float
    child_peak_mb: float
    children_seen: int
    pages: int
    outcome: dict = field(default_factory=dict)

    @property
    def peak_mb(self) -> float:
        return self.worker_peak_mb + self.child_peak_mb


def build(*, tag: str, rows: int | None = None) -> Statement50k:
    """The member, the account and its ``rows`` (``ROWS``) movements (Django set up)."""
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
    from accounts.services.ledger import Leg, _fingerprint, _normalise, internal_account_id
    from identity.models import IdType, Member, User
    from tests.benchmarks.dataset import DESCRIPTIONS

    rows = ROWS if rows is None else rows
    started = time.perf_counter()
    rng = random.Random(20260303)
    owner = Member.objects.create(
        id_type=IdType.CEDULA,
        identification=f"5{tag}001",
        first_names="ROSA ELENA",
        last_names="CINCUENTA MIL",
        address="Av. 10 de Agosto N24-15, Quito",
        email=f"s50k{tag}@example.com",
    )
    user = User(username=f"bench{tag}s50k", customer=owner)
    user.set_unusable_password()
    user.save()
    account = Account.objects.create(number=f"55{tag}0001", product=Product.SAVINGS, owner=owner)
    cash = internal_account_id(InternalAccount.CASH)
    with transaction.atomic():
        state = {
            a.pk: [a.balance, a.available, a.last_posted_at]
            for a in Account.objects.select_for_update().filter(pk__in=[account.pk, cash])
        }
        latest = Entry.objects.order_by("-posted_at").values_list("posted_at", flat=True).first()
        base = max(timezone.now(), latest or timezone.now()) + timedelta(milliseconds=1)
        base = _same_month(base, span=timedelta(milliseconds=rows))
        plan, txns = [], []
        for n in range(rows):
            # Credits somewhat larger than debits: the balance never goes below zero.
            credit = n % 2 == 0
            amount = Decimal(rng.randint(100, 50000) if credit else rng.randint(50, 40000))
            amount = amount.scaleb(-2) * (1 if credit else -1)
            description = DESCRIPTIONS[rng.randrange(len(DESCRIPTIONS))]
            legs = _normalise(
                [Leg(account.pk, amount, description), Leg(cash, -amount, description)]
            )
            kind = TransactionKind.DEPOSIT if credit else TransactionKind.WITHDRAWAL
            key = f"bench-s50k-{tag}-{n}"
            posted = base + timedelta(milliseconds=n)
            plan.append((legs, posted))
            txns.append(
                Transaction(
                    kind=kind,
                    channel=Channel.BRANCH,
                    idempotency_key=key,
                    fingerprint=_fingerprint(kind, legs, ()),
                    posted_at=posted,
                )
            )
        txns = Transaction.objects.bulk_create(txns, batch_size=2000)
        entries = []
        for (legs, posted), txn in zip(plan, txns, strict=True):
            for leg in legs:
                balance = state[leg.account_id]
                balance[0] += leg.amount
                balance[1] += leg.amount
                balance[2] = posted
                entries.append(
                    Entry(
                        transaction_id=txn.pk,
                        account_id=leg.account_id,
                        amount=leg.amount,
                        balance_after=balance[0],
                        description=leg.description,
                        role=leg.role,
                        posted_at=posted,
                    )
                )
        Entry.objects.bulk_create(entries, batch_size=5000)
        for pk, (balance, available, last) in state.items():
            Account.objects.filter(pk=pk).update(
                balance=balance, available=available, last_posted_at=last
            )
    month = timezone.localtime(base).date().replace(day=1)
    return Statement50k(
        account_id=account.pk,
        user_id=user.pk,
        month=month,
        rows=rows,
        setup_s=time.perf_counter() - started,
    )


def _same_month(base: datetime, *, span: timedelta) -> datetime:
    """``base``, or the first moment of the next month when ``base + span`` would cross it: the
    whole statement is one month."""
    from django.utils import timezone

    first = timezone.localtime(base).date().replace(day=1)
    last = timezone.localtime(base + span).date().replace(day=1)
    if first == last:
        return base
    return timezone.make_aware(datetime.combine(last, clock.min)) + timedelta(milliseconds=1)


# -- the job, in a fresh process -----------------------------------------------------------------
def _job(env, data: Statement50k, results) -> None:
    os.environ.update(env)
    try:
        import django

        django.setup()
        from django.db import connection

        from accounts.models import Account, ExportJob
        from accounts.services.exports import export_job_execute

        connection.ensure_connection()
        children: dict[int, float] = {}
        stop = threading.Event()

        def sample() -> None:
            me = os.getpid()
            while not stop.wait(SAMPLE_S):
                for child in child_processes(me, marker=b"spawn_main"):
                    peak = status_mb("VmHWM", child) or 0.0
                    children[child] = max(children.get(child, 0.0), peak)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        account = Account.objects.get(pk=data.account_id)
        job = ExportJob.objects.create(
            user_id=data.user_id,
            account=account,
            kind=ExportJob.Kind.STATEMENT_PDF,
            params={"month": data.month.isoformat()},
        )
        t0 = time.perf_counter()
        export_job_execute(job_id=job.pk)
        seconds = time.perf_counter() - t0
        stop.set()
        sampler.join()
        job.refresh_from_db()
        results.put(
            (
                "ok",
                {
                    "seconds": seconds,
                    "worker_peak_mb": status_mb("VmHWM", "self"),
                    "child_peak_mb": max(children.values(), default=0.0),
                    "children_seen": len(children),
                    "status": job.status,
                    "error": job.error,
                    "total_rows": job.total_rows,
                    "file_name": job.file_name,
                },
            )
        )
    except Exception:
        results.put(("error", traceback.format_exc()))


def run(*, env: dict, data: Statement50k) -> Statement50kResult:
    out = in_fresh_process(_job, (env, data), "statement-50k", timeout=3600)
    pages = check(out, data)
    return Statement50kResult(
        seconds=out["seconds"],
        worker_peak_mb=out["worker_peak_mb"],
        child_peak_mb=out["child_peak_mb"],
        children_seen=out["children_seen"],
        pages=pages,
        outcome={k: out[k] for k in ("status", "total_rows", "rows_in_pdf") if k in out},
    )


def check(out: dict, data: Statement50k) -> int:
    """The job is done and its file is one statement: numbered pages, the totals once on the
    last page and, where poppler's ``pdftotext`` is installed, every row once (pypdf takes
    about half a second a page to extract text, so without it only three pages are read).
    Returns the number of pages."""
    from pypdf import PdfReader

    from accounts.models import ExportJob
    from common.storage import EXPORTS, file_storage

    if out["status"] != ExportJob.Status.DONE:
        raise RuntimeError(f"the statement job ended {out['status']}: {out['error']}")
    if out["total_rows"] != data.rows:
        raise RuntimeError(f"the job counted {out['total_rows']} rows, not {data.rows}")
    with file_storage(EXPORTS).open(out["file_name"], "rb") as handle:
        content = handle.read()
    reader = PdfReader(io.BytesIO(content))
    pages = len(reader.pages)
    for number in sorted({1, pages // 2 or 1, pages}):
        if f"Página {number} de {pages}" not in reader.pages[number - 1].extract_text():
            raise RuntimeError(f"page {number} is not numbered 'Página {number} de {pages}'")
    if "TOTALES / SALDO FINAL" not in reader.pages[-1].extract_text():
        raise RuntimeError("the totals are not on the last page")
    whole = _pdftotext(content)
    if whole is not None:
        # Each row shows its transaction's 8-digit id once.
        rows = len(re.findall(r"\b\d{8}\b", whole))
        if rows != data.rows:
            raise RuntimeError(f"the PDF shows {rows} rows, not {data.rows}")
        if whole.count("TOTALES / SALDO FINAL") != 1:
            raise RuntimeError("the totals are not there once")
        out["rows_in_pdf"] = rows
    return pages


def _pdftotext(content: bytes) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    done = subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True, timeout=600
    )
    return done.stdout.decode()
