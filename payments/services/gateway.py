"""The door to the billers: bill inquiry, payment, status query and the daily reconciliation
list, with timeouts, and the simulator the portal uses until a real biller is connected.

Payments talk to a biller only through ``gateway_for(biller)``: an object with the methods of
``Gateway``. ``Biller.gateway`` names it in ``GATEWAYS`` (a dotted path, so a real HTTP gateway
is one line here). Every gateway derives from ``TimedGateway``: the request itself
(``*_request``) runs in a worker thread and the caller waits at most
``PAYMENTS_GATEWAY_TIMEOUT`` seconds for it, so a biller that does not answer in time leaves
the payment unknown (``Answer.UNKNOWN``) — never failed — whatever the gateway does inside.

The simulator answers by the LAST TWO DIGITS of the reference (README, "Pago de servicios"):

====  =================================================================================
00    no debt: the inquiry finds no bill
22    three bills, oldest first
98    biller down: inquiry and payment raise ``BillerUnavailable``
97    slow: the payment answers after ``PAYMENTS_SIMULATOR_SLOW`` s (past the timeout:
      unknown); a later status query says it was paid
96    the payment's answer is unknown; a later status query says it was rejected
95    the payment is rejected at once
93    unknown, the status stays unknown, and the day's reconciliation does not list it
else  one bill of $ <last two digits>.50, due in 10 days, period this month
====  =================================================================================

Billers whose amount is typed (recharges, no inquiry) follow the same payment patterns. The
simulated billers keep what they were paid in one SQLite file under ``VAR_DIR/billers`` (a
row per biller and idempotency key, with the day received), so the web server, a worker and
a test all see the same biller; a repeated payment with the same key returns the first
answer and pays nothing again; a status query about a key it never received says so
(``NOT_RECEIVED``), and the payer may then send it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from common.formatting import month_year

from .errors import PaymentError


@dataclass(frozen=True)
class Bill:
    """One bill a biller's inquiry found."""

    number: str
    period: str
    amount: Decimal
    due_on: date | None
    description: str = ""


@dataclass(frozen=True)
class Answer:
    """A biller's answer to a payment or a status query."""

    PAID: ClassVar[str] = "PAGADO"
    REJECTED: ClassVar[str] = "RECHAZADO"
    UNKNOWN: ClassVar[str] = "DESCONOCIDO"

    status: str
    authorization: str = ""
    reason: str = ""

    @property
    def not_received(self) -> bool:
        """A status query about a key the biller never received (the payer may send it)."""
        return self.status == self.UNKNOWN and self.reason == NOT_RECEIVED


#: the reason of a status answer for a key the biller never received
NOT_RECEIVED = "NO RECIBIDO"


class BillerUnavailable(PaymentError):
    """The biller did not take the request: nothing was paid."""

    def __init__(self, message=None, field=None):
        super().__init__(
            message or _("El servicio no está disponible en este momento. Intenta más tarde."),
            field,
        )


class Gateway(Protocol):
    def inquire(self, biller, reference: str) -> list[Bill]:
        """The bills pending for ``reference``, oldest first; raises ``BillerUnavailable``."""

    def pay(self, biller, reference: str, bill_number: str, amount: Decimal, key: str) -> Answer:
        """Pay a bill (or a typed amount, ``bill_number`` empty) under ``key``. A repeated key
        returns the first answer and pays nothing again. A timeout is ``Answer.UNKNOWN``;
        ``BillerUnavailable`` only when the biller surely did not take it."""

    def status(self, biller, key: str) -> Answer:
        """What became of the payment sent under ``key``."""

    def reconciliation(self, biller, day: date) -> list[str]:
        """The keys of the payments the biller received and paid on ``day``."""


GATEWAYS = {"simulador": "payments.services.gateway.SimulatedGateway"}

_executors: dict[int, ThreadPoolExecutor] = {}


def _executor() -> ThreadPoolExecutor:
    """The request threads of this process (a forked worker gets its own: a pool inherited
    through fork believes it has threads that do not exist in the child)."""
    pid = os.getpid()
    if pid not in _executors:
        _executors[pid] = ThreadPoolExecutor(max_workers=16, thread_name_prefix="biller")
    return _executors[pid]


def gateway_for(biller) -> Gateway:
    path = GATEWAYS.get(biller.gateway)
    if path is None:
        raise BillerUnavailable()
    return import_string(path)()


class TimedGateway:
    """The timeouts every gateway shares: each ``*_request`` runs in a worker thread (a
    request that never answers keeps only that thread busy) and the caller waits at most
    ``PAYMENTS_GATEWAY_TIMEOUT`` seconds."""

    def _call(self, function, *args):
        future = _executor().submit(function, *args)
        return future.result(timeout=settings.PAYMENTS_GATEWAY_TIMEOUT)

    def inquire(self, biller, reference: str) -> list[Bill]:
        try:
            return self._call(self.inquire_request, _Biller.of(biller), reference)
        except FutureTimeout as exc:
            raise BillerUnavailable() from exc

    def pay(self, biller, reference: str, bill_number: str, amount: Decimal, key: str) -> Answer:
        try:
            return self._call(
                self.pay_request, _Biller.of(biller), reference, bill_number, amount, key
            )
        except FutureTimeout:
            return Answer(Answer.UNKNOWN, reason=str(_("El servicio no respondió a tiempo.")))
        except BillerUnavailable:
            raise
        except Exception:  # the request may have reached the biller: unknown, never failed
            return Answer(Answer.UNKNOWN, reason=str(_("Sin respuesta del servicio.")))

    def status(self, biller, key: str) -> Answer:
        try:
            return self._call(self.status_request, _Biller.of(biller), key)
        except Exception:
            return Answer(Answer.UNKNOWN, reason=str(_("Sin respuesta del servicio.")))

    def reconciliation(self, biller, day: date) -> list[str]:
        try:
            return self._call(self.reconciliation_request, _Biller.of(biller), day)
        except FutureTimeout as exc:
            raise BillerUnavailable() from exc

    # What a concrete gateway implements (called in a worker thread: no database here).
    def inquire_request(self, biller: _Biller, reference: str) -> list[Bill]:
        raise NotImplementedError

    def pay_request(self, biller, reference, bill_number, amount, key) -> Answer:
        raise NotImplementedError

    def status_request(self, biller: _Biller, key: str) -> Answer:
        raise NotImplementedError

    def reconciliation_request(self, biller: _Biller, day: date) -> list[str]:
        raise NotImplementedError


@dataclass(frozen=True)
class _Biller:
    """What a request needs of the biller, read before the worker thread (no ORM there)."""

    code: str
    name: str

    @classmethod
    def of(cls, biller) -> _Biller:
        return cls(code=biller.code, name=biller.name)


# --- The simulator ---------------------------------------------------------------------------


def _pattern(reference: str) -> str:
    digits = "".join(ch for ch in reference if ch.isdigit())
    return digits[-2:].rjust(2, "0")


def simulated_bills(biller_code: str, reference: str, today: date) -> list[Bill]:
    """The simulator's bills for ``reference`` (the module's table)."""
    pattern = _pattern(reference)
    if pattern == "00":
        return []
    tag = hashlib.sha256(f"{biller_code}|{reference}".encode()).hexdigest()[:6].upper()
    months = 3 if pattern == "22" else 1
    bills = []
    for back in range(months - 1, -1, -1):
        first = (today.replace(day=1) - timedelta(days=28 * back)).replace(day=1)
        amount = Decimal(f"{int(pattern)}.50") if months == 1 else Decimal("18.40") + back
        bills.append(
            Bill(
                number=f"{tag}-{first:%Y%m}",
                period=month_year(first).capitalize(),
                amount=amount,
                due_on=first + timedelta(days=9) if back else today + timedelta(days=10),
                description=str(_("Consumo del periodo")),
            )
        )
    return bills


class SimulatedGateway(TimedGateway):
    """Billers for development and tests. What they were paid lives in one SQLite file,
    ``VAR_DIR/billers/simulador.sqlite3`` (a row per biller and key: the payment and the
    biller's truth about it, and the day it was received), shared by every process."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root or Path(settings.VAR_DIR) / "billers")

    def inquire_request(self, biller, reference):
        if _pattern(reference) == "98":
            raise BillerUnavailable()
        return simulated_bills(biller.code, reference, timezone.localdate())

    def pay_request(self, biller, reference, bill_number, amount, key):
        pattern = _pattern(reference)
        if pattern == "98":
            raise BillerUnavailable()
        record = self._record_claim(biller, key, reference, bill_number, amount, pattern)
        if record.get("slow"):
            time.sleep(settings.PAYMENTS_SIMULATOR_SLOW)
        return Answer(record["answer"], record["authorization"], record["reason"])

    def status_request(self, biller, key):
        record = self._record_read(biller, key)
        if record is None:
            return Answer(Answer.UNKNOWN, reason=NOT_RECEIVED)
        authorization = record["authorization"] if record["status"] == Answer.PAID else ""
        return Answer(record["status"], authorization, record["reason"])

    def reconciliation_request(self, biller, day):
        rows = _simulator_db(self.root).execute(
            "SELECT record FROM payments WHERE biller = ? AND day = ? ORDER BY id",
            (biller.code, day.isoformat()),
        )
        records = (json.loads(record) for (record,) in rows)
        return [r["key"] for r in records if r["status"] == Answer.PAID]

    def _record_read(self, biller, key: str) -> dict | None:
        row = (
            _simulator_db(self.root)
            .execute("SELECT record FROM payments WHERE biller = ? AND key = ?", (biller.code, key))
            .fetchone()
        )
        return None if row is None else json.loads(row[0])

    def _record_claim(self, biller, key, reference, bill_number, amount, pattern) -> dict:
        """The biller's record of ``key``: the first one, or a new one (of two concurrent
        requests with the same key, one inserts it, the other reads it)."""
        today = timezone.localdate()
        record = _simulated_record(key, reference, bill_number, amount, pattern, today)
        inserted = _simulator_db(self.root).execute(
            "INSERT OR IGNORE INTO payments (biller, key, day, record) VALUES (?, ?, ?, ?)",
            (biller.code, key, today.isoformat(), json.dumps(record)),
        )
        if inserted.rowcount:
            return record
        return self._record_read(biller, key)


_simulator = threading.local()


def _simulator_db(root: Path) -> sqlite3.Connection:
    """This thread's connection to the simulated billers' file (autocommit; WAL, so readers
    and one writer at a time from any process; a commit does not wait for the disk: it is a
    simulator, and an application crash loses nothing)."""
    path = root / "simulador.sqlite3"
    owner = (os.getpid(), path)
    if getattr(_simulator, "owner", None) != owner:
        if getattr(_simulator, "owner", (None,))[0] == os.getpid():
            _simulator.db.close()  # another VAR_DIR (a test's): one open file per thread
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=True)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS payments (id INTEGER PRIMARY KEY, biller TEXT NOT NULL,"
            " key TEXT NOT NULL, day TEXT NOT NULL, record TEXT NOT NULL, UNIQUE (biller, key))"
        )
        db.execute("CREATE INDEX IF NOT EXISTS payments_day ON payments (biller, day)")
        _simulator.owner, _simulator.db = owner, db
    return _simulator.db


def _simulated_record(key, reference, bill_number, amount, pattern, today) -> dict:
    answer, status, reason = Answer.PAID, Answer.PAID, ""
    if pattern == "95":
        answer = status = Answer.REJECTED
        reason = str(_("Pago rechazado por la empresa de servicios."))
    elif pattern == "96":
        answer, status = Answer.UNKNOWN, Answer.REJECTED
        reason = str(_("La empresa de servicios no registró el pago."))
    elif pattern == "93":
        answer = status = Answer.UNKNOWN
    authorization = ""
    if status == Answer.PAID:
        authorization = str(int(hashlib.sha256(key.encode()).hexdigest()[:12], 16))[-10:]
    return {
        "key": key,
        "reference": reference,
        "bill": bill_number,
        "amount": str(amount),
        "day": today.isoformat(),
        "answer": answer,
        "status": status,
        "authorization": authorization.rjust(10, "0") if authorization else "",
        "reason": reason,
        "slow": pattern == "97",
    }
