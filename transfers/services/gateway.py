"""The door to the central bank's interbank payment system (SPI).

Settlement talks to the central bank only through ``gateway()``: an object with the methods of
``SpiGateway``. ``settings.SPI_GATEWAY`` names its class; the default, ``SimulatedGateway``,
answers deterministically and keeps what it received in files under ``VAR_DIR/spi``, so a
worker, the web server and a test all see the same central bank.

The batch file layout lives here too (``batch_file_build`` / ``batch_file_parse``): the central
bank's real layout is not public (DOMAIN.md), so a real gateway may translate this one.

Layout (ASCII, one record a line, each ending in ``\\n``):

- detail ``D``: reference (transfer id, 12 digits) · institution code (10) · account type (10)
  · account number (20) · identification type (10) · identification (20) · name (60) · amount
  in cents (15 digits); text fields left-aligned and padded with spaces, upper case, no accents;
- control ``C`` (last line): number of details (8 digits) · total in cents (17 digits) ·
  SHA-256 (64 hex digits) of every detail line including its ``\\n``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
import uuid
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class GatewayError(Exception):
    """The central bank did not take the request (unreachable, refused the file...)."""


@dataclass(frozen=True)
class TransferLine:
    """One transfer as the central bank sees it: a batch file line or an immediate request."""

    reference: str
    institution_code: str
    account_type: str
    account_number: str
    id_type: str
    identification: str
    name: str
    amount: Decimal


class LineResult(NamedTuple):
    """The central bank's answer for one line of a batch."""

    reference: str
    accepted: bool
    reason: str


@dataclass(frozen=True)
class IncomingRecord:
    """A transfer another institution sent to one of our accounts."""

    reference: str
    institution_code: str
    account_number: str
    amount: Decimal
    sender_name: str
    memo: str = ""


class SpiGateway(Protocol):
    def send_batch(self, file_name: str, content: str) -> str:
        """Deliver a batch file; returns the central bank's reference for it. Sending the same
        file name again returns the same reference and is not processed twice."""

    def batch_result(self, reference: str) -> list[LineResult]:
        """The answer per line of a batch sent earlier; empty while it has none yet (a partial
        answer is allowed: the lines not listed are still in process)."""

    def send_immediate(self, line: TransferLine) -> tuple[bool, str]:
        """Settle one transfer now: (accepted, reason if not). Repeating a reference repeats
        the first answer without paying twice."""

    def incoming(self) -> list[IncomingRecord]:
        """Credits other institutions sent us that were not acknowledged yet."""

    def incoming_ack(self, references: list[str]) -> None:
        """Tell the central bank these incoming credits were taken (applied or returned)."""


def gateway() -> SpiGateway:
    return import_string(settings.SPI_GATEWAY)()


# --- The batch file -----------------------------------------------------------------------

DETAIL_FIELDS = (
    ("reference", 12),
    ("institution_code", 10),
    ("account_type", 10),
    ("account_number", 20),
    ("id_type", 10),
    ("identification", 20),
    ("name", 60),
    ("amount", 15),
)
DETAIL_LENGTH = 1 + sum(width for _, width in DETAIL_FIELDS)


def plain(text: str) -> str:
    """Upper case ASCII, as interbank files carry names: accents dropped (Ñ becomes N)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"\s+", " ", ascii_text).strip().upper()


def cents(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).to_integral_exact())


def _detail(line: TransferLine) -> str:
    out = ["D"]
    for name, width in DETAIL_FIELDS:
        value = getattr(line, name)
        if name == "amount":
            out.append(f"{cents(value):0{width}d}")
        elif name == "reference":
            out.append(f"{int(value):0{width}d}")
        else:
            out.append(plain(str(value))[:width].ljust(width))
    return "".join(out)


class BatchFile(NamedTuple):
    content: str
    count: int
    total: Decimal
    checksum: str


def batch_file_build(lines: list[TransferLine]) -> BatchFile:
    details = "".join(_detail(line) + "\n" for line in lines)
    checksum = hashlib.sha256(details.encode("ascii")).hexdigest()
    total = sum((Decimal(line.amount) for line in lines), Decimal("0.00"))
    control = f"C{len(lines):08d}{cents(total):017d}{checksum}\n"
    return BatchFile(details + control, len(lines), total, checksum)


def batch_file_parse(content: str) -> list[TransferLine]:
    """The details of a batch file, after checking its control line; GatewayError if it is
    not a well-formed file."""
    records = content.splitlines(keepends=True)
    if not records or not records[-1].startswith("C"):
        raise GatewayError("Archivo sin registro de control.")
    control = records[-1].rstrip("\n")
    details = records[:-1]
    match = re.fullmatch(r"C(\d{8})(\d{17})([0-9a-f]{64})", control)
    if match is None:
        raise GatewayError("Registro de control mal formado.")
    count, total_cents, checksum = int(match[1]), int(match[2]), match[3]
    if hashlib.sha256("".join(details).encode("ascii")).hexdigest() != checksum:
        raise GatewayError("El control SHA-256 no corresponde al contenido.")
    lines = []
    for record in details:
        record = record.rstrip("\n")
        if len(record) != DETAIL_LENGTH or record[0] != "D":
            raise GatewayError("Registro de detalle mal formado.")
        values, position = {}, 1
        for name, width in DETAIL_FIELDS:
            values[name] = record[position : position + width].rstrip()
            position += width
        values["amount"] = Decimal(int(values["amount"])) / 100
        lines.append(TransferLine(**values))
    if len(lines) != count or sum(cents(line.amount) for line in lines) != total_cents:
        raise GatewayError("El número de registros o el total no cuadran con el control.")
    return lines


# --- The simulator ------------------------------------------------------------------------

# Outcomes the simulator derives from the destination account number's last two digits, so a
# test or a demo chooses what happens.
SIMULATED_REJECTIONS = {
    "99": "CUENTA CERRADA",
    "98": "CUENTA NO EXISTE",
    "97": "IDENTIFICACIÓN NO CORRESPONDE AL TITULAR",
}


def simulated_outcome(account_number: str) -> tuple[bool, str]:
    reason = SIMULATED_REJECTIONS.get(account_number.strip()[-2:])
    return (reason is None, reason or "")


def _write(path: Path, text: str) -> None:
    """All or nothing: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _safe(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,80}", name) or name.startswith("."):
        raise GatewayError(f"Nombre no válido: {name!r}")
    return name


class SimulatedGateway:
    """A central bank for development and tests. Everything it knows is in files under
    ``VAR_DIR/spi``: ``batches/`` (each file received, with its reference and how many times
    it was submitted), ``immediate/`` (each immediate transfer and its answer) and
    ``incoming/`` (credits waiting for us; ``incoming_credit_drop`` puts one there and an
    acknowledgement moves it to ``incoming/done``)."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root or Path(settings.VAR_DIR) / "spi")

    # Batches: the reference comes from the file name, so a re-sent file gets the same one.
    def send_batch(self, file_name: str, content: str) -> str:
        file_name = _safe(file_name)
        batch_file_parse(content)  # the central bank refuses a malformed file
        reference = "BCE" + hashlib.sha256(file_name.encode()).hexdigest()[:16].upper()
        meta_path = self.root / "batches" / f"{reference}.json"
        if meta_path.exists():
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            stored = (self.root / "batches" / f"{reference}.txt").read_text(encoding="utf-8")
            if stored != content:
                raise GatewayError(f"El archivo {file_name} ya fue recibido con otro contenido.")
            meta["submissions"] += 1
        else:
            _write(self.root / "batches" / f"{reference}.txt", content)
            meta = {"file_name": file_name, "reference": reference, "submissions": 1}
        _write(meta_path, json.dumps(meta))
        return reference

    def batch_result(self, reference: str) -> list[LineResult]:
        path = self.root / "batches" / f"{_safe(reference)}.txt"
        if not path.exists():
            raise GatewayError(f"Referencia desconocida: {reference}")
        return [
            LineResult(line.reference, *simulated_outcome(line.account_number))
            for line in batch_file_parse(path.read_text(encoding="utf-8"))
        ]

    def batches_received(self) -> list[dict]:
        """What the simulated central bank holds: one entry per distinct file."""
        folder = self.root / "batches"
        if not folder.exists():
            return []
        received = []
        for meta_path in sorted(folder.glob("*.json")):
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            meta["content"] = (folder / f"{meta['reference']}.txt").read_text(encoding="utf-8")
            received.append(meta)
        return received

    # Immediate transfers: the first answer for a reference is the answer.
    def send_immediate(self, line: TransferLine) -> tuple[bool, str]:
        path = self.root / "immediate" / f"{_safe(str(line.reference))}.json"
        if path.exists():
            record = json.loads(path.read_text(encoding="utf-8"))
            record["submissions"] += 1
        else:
            accepted, reason = simulated_outcome(line.account_number)
            payload = {**asdict(line), "amount": str(line.amount)}
            record = {"line": payload, "accepted": accepted, "reason": reason, "submissions": 1}
        _write(path, json.dumps(record))
        return record["accepted"], record["reason"]

    def immediate_received(self) -> list[dict]:
        folder = self.root / "immediate"
        if not folder.exists():
            return []
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]

    # Incoming credits.
    def incoming(self) -> list[IncomingRecord]:
        folder = self.root / "incoming"
        if not folder.exists():
            return []
        records = []
        for path in sorted(folder.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            records.append(IncomingRecord(**{**data, "amount": Decimal(data["amount"])}))
        return records

    def incoming_ack(self, references: list[str]) -> None:
        done = self.root / "incoming" / "done"
        done.mkdir(parents=True, exist_ok=True)
        for reference in references:
            path = self.root / "incoming" / f"{_safe(reference)}.json"
            if path.exists():
                os.replace(path, done / path.name)

    def incoming_drop(
        self,
        *,
        institution_code: str,
        account_number: str,
        amount,
        sender_name: str,
        memo: str = "",
        reference: str | None = None,
    ) -> str:
        """Another institution sends one of our members money (for tests and demos)."""
        reference = _safe(reference or "IN" + uuid.uuid4().hex[:20].upper())
        record = IncomingRecord(
            reference=reference,
            institution_code=institution_code,
            account_number=account_number,
            amount=Decimal(amount),
            sender_name=sender_name,
            memo=memo,
        )
        data = {**asdict(record), "amount": str(record.amount)}
        _write(self.root / "incoming" / f"{reference}.json", json.dumps(data))
        return reference


def incoming_credit_drop(**kwargs) -> str:
    """Put an incoming credit in the simulated central bank (see ``SimulatedGateway``)."""
    return SimulatedGateway().incoming_drop(**kwargs)
