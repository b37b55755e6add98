"""Interbank settlement: sending members' transfers to the central bank and applying its
answers, and crediting what other institutions send us.

The rows drive the money (ARCHITECTURE.md "Background work"): every function here looks at
the database for what is due, claims it so two workers never take the same row, and can be
run again at any moment — after a crash, a lost or duplicated Celery message — without sending
or crediting anything twice. Money moves only through ``transaction_post`` with keys derived
from the transfer or the incoming credit, so a repeat returns the first posting.

Life of a batch transfer (``settlement=LOTE``)::

    PENDIENTE, no batch ── cycle_run: batch_prepare ──▶ PENDIENTE in a PREPARADO batch
        ── batch_send (gateway took the file) ──▶ ENVIADA in an ENVIADO batch
        ── results_apply ──▶ ACREDITADA | DEVUELTA (amount, and fee + VAT if configured, back)

A batch left PREPARADO (the process died before or while sending) is sent again, with the same
file name, by the every-minute catch-up (``cycles.batches_stuck_send``) or the next cycle; the
gateway answers a repeated file name with the first reference, so a file is never processed
twice nor lost.

Life of an immediate transfer (``settlement=INMEDIATA``)::

    PENDIENTE ── immediate_send claims it (conditional update) ──▶ ENVIADA
        ── gateway answers ──▶ ACREDITADA | DEVUELTA

The worker sending one holds its claim (``common.claims``) from PENDIENTE until the answer is
applied. If the gateway fails, the transfer goes back to PENDIENTE; if the process dies while it
is ENVIADA, its claim ends with its database session and ``immediate_sweep`` (every minute, and
from each worker as it connects) asks the gateway again at once with the same reference: the
gateway repeats its first answer, and ``outcome_apply`` settles, returns and tells once. A
claim still held means a live worker is waiting for that answer: the sweep leaves it. Where a
claim cannot say so (SQLite grants every claim; a pooler in transaction mode could keep a dead
worker's) the sweep also asks for any transfer ENVIADA longer than ``IMMEDIATE_STUCK_AFTER``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Account, Channel, Entry, InternalAccount, Product, TransactionKind
from accounts.services.ledger import LedgerError, Leg, internal_account_id, transaction_post
from common.claims import work_claimed
from common.formatting import date_short
from identity.services.notifications import notification_queue

from ..models import SPI_KINDS, IncomingCredit, Institution, SettlementBatch, Transfer
from . import calendar
from .gateway import GatewayError, TransferLine, batch_file_build, gateway

logger = logging.getLogger(__name__)

# An immediate transfer ENVIADA this long lost its worker mid-request, whatever its claim says
# (no gateway call takes this long). Its claim tells it sooner on PostgreSQL.
IMMEDIATE_STUCK_AFTER = timedelta(minutes=5)
# The claim of one immediate transfer's send and answer (common.claims), by transfer id.
IMMEDIATE_CLAIM = "transfers.immediate_send"
# Products that can receive an interbank credit.
RECEIVING_PRODUCTS = (Product.SAVINGS, Product.PROGRESAR, Product.CHECKING)

Status = Transfer.Status
BATCH = Institution.Settlement.BATCH
IMMEDIATE = Institution.Settlement.IMMEDIATE


def _locking(queryset, **options):
    """Row locks where the database has them. SQLite has none, but every write transaction
    there takes the database's write lock at BEGIN (``transaction_mode=IMMEDIATE``), so the
    same code is serialised as a whole."""
    if connection.vendor == "postgresql":
        return queryset.select_for_update(of=("self",), **options)
    return queryset


def transfer_line(transfer: Transfer) -> TransferLine:
    return TransferLine(
        reference=f"{transfer.pk:012d}",
        institution_code=transfer.institution.code,
        account_type=transfer.to_account_type,
        account_number=transfer.to_account_number,
        id_type=transfer.to_id_type,
        identification=transfer.to_identification,
        name=transfer.to_name,
        amount=transfer.amount,
    )


def _own_code() -> str:
    code = Institution.objects.filter(is_self=True).values_list("code", flat=True).first()
    return code or "0000"


# --- Batch cycles ------------------------------------------------------------------------


@dataclass
class CycleResult:
    business_day: bool
    prepared: SettlementBatch | None = None
    sent: list[int] = field(default_factory=list)  # ids of batches the gateway took now
    failed: list[int] = field(default_factory=list)  # ids of batches left PREPARADO


def cycle_run(now: datetime | None = None) -> CycleResult:
    """One settlement cycle: on a business day, gather every due batch transfer into a new
    batch and send every batch still PREPARADO (this one and any a crash left behind)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    if not calendar.is_business_day(today):
        return CycleResult(business_day=False)
    result = CycleResult(business_day=True, prepared=batch_prepare(today))
    for batch_id in (
        SettlementBatch.objects.filter(status=SettlementBatch.Status.PREPARED)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        try:
            if batch_send(batch_id):
                result.sent.append(batch_id)
        except Exception:  # the gateway or the network: the batch waits for the next cycle
            logger.exception("SPI: no se pudo enviar el lote %s", batch_id)
            result.failed.append(batch_id)
    return result


def batch_prepare(today) -> SettlementBatch | None:
    """In one database transaction: claim the PENDIENTE batch transfers due by ``today`` that
    are in no batch, write their file into a new PREPARADO batch and link them to it. Returns
    None when nothing is due. Two concurrent calls never claim the same transfer (row locks
    with SKIP LOCKED on PostgreSQL, the write lock on SQLite, and the ``batch IS NULL``
    condition re-checked by the update)."""
    with transaction.atomic():
        due = _locking(
            Transfer.objects.filter(
                kind__in=SPI_KINDS,
                status=Status.PENDING,
                settlement=BATCH,
                batch__isnull=True,
                institution__isnull=False,
                process_date__lte=today,
            ).order_by("pk"),
            skip_locked=True,
        )
        transfers = list(due.select_related("institution"))
        if not transfers:
            return None
        built = batch_file_build([transfer_line(t) for t in transfers])
        batch = SettlementBatch.objects.create(
            status=SettlementBatch.Status.PREPARED,
            file_name="",
            content=built.content,
            count=built.count,
            total=built.total,
            checksum=built.checksum,
        )
        batch.file_name = f"SPI_{_own_code()}_{today:%Y%m%d}_{batch.pk:06d}.txt"
        batch.save(update_fields=["file_name"])
        linked = Transfer.objects.filter(
            pk__in=[t.pk for t in transfers], status=Status.PENDING, batch__isnull=True
        ).update(batch=batch)
        if linked != len(transfers):  # cannot happen under the locks; never write a bad file
            raise RuntimeError("SPI: transferencias tomadas por otro proceso al preparar el lote")
    return batch


def batch_send(batch_id: int) -> bool:
    """Send one PREPARADO batch and, in the same database transaction, mark it ENVIADO and its
    transfers ENVIADA. The batch row stays locked while the gateway is called, so two workers
    never send it together; if the call fails or the process dies, nothing is marked and the
    next cycle sends the same file name again (the gateway answers it with the same reference).
    Returns whether this call sent it."""
    with transaction.atomic():
        batch = _locking(
            SettlementBatch.objects.filter(pk=batch_id, status=SettlementBatch.Status.PREPARED),
            skip_locked=True,
        ).first()
        if batch is None:
            return False
        reference = gateway().send_batch(batch.file_name, batch.content)
        batch.status = SettlementBatch.Status.SENT
        batch.sent_at = timezone.now()
        batch.gateway_reference = reference
        batch.save(update_fields=["status", "sent_at", "gateway_reference"])
        Transfer.objects.filter(batch=batch, status=Status.PENDING).update(
            status=Status.SENT, sent_at=timezone.now()
        )
    logger.info("SPI: lote %s enviado (%s)", batch.file_name, reference)
    return True


@dataclass
class ResultsSummary:
    credited: int = 0
    returned: int = 0
    failed: int = 0  # lines whose outcome could not be applied yet (they are retried)
    answered: list[int] = field(default_factory=list)  # batches completely answered


def results_apply() -> ResultsSummary:
    """Ask the gateway for the answer of every ENVIADO batch and apply it: accepted transfers
    become ACREDITADA; rejected ones DEVUELTA, with the money given back and the member told.
    Applying the same answer again changes nothing. A batch becomes RESPONDIDO once none of
    its transfers is still ENVIADA."""
    summary = ResultsSummary()
    for batch in SettlementBatch.objects.filter(status=SettlementBatch.Status.SENT).order_by("pk"):
        try:
            lines = gateway().batch_result(batch.gateway_reference)
        except Exception:
            logger.exception("SPI: sin respuesta para el lote %s", batch.file_name)
            continue
        accepted_ids, rejected = [], []
        for line in lines:
            try:
                transfer_id = int(line.reference)
            except ValueError:
                logger.error("SPI: referencia desconocida %r en %s", line.reference, batch)
                continue
            (accepted_ids if line.accepted else rejected).append((transfer_id, line))
        # Accepted lines move no money: one conditional update per chunk settles them, and the
        # ENVIADA condition keeps it idempotent and safe with a second worker.
        now = timezone.now()
        for start in range(0, len(accepted_ids), 1000):
            chunk = [pk for pk, _line in accepted_ids[start : start + 1000]]
            summary.credited += Transfer.objects.filter(
                pk__in=chunk, batch=batch, status=Status.SENT
            ).update(status=Status.CREDITED, settled_at=now)
        for transfer_id, line in rejected:
            try:
                outcome = outcome_apply(
                    transfer_id, accepted=line.accepted, reason=line.reason, batch_id=batch.pk
                )
            except LedgerError:
                # e.g. the origin account was closed meanwhile: staff must act; retried.
                logger.exception("SPI: no se pudo devolver la transferencia %s", transfer_id)
                summary.failed += 1
                continue
            if outcome == Status.RETURNED:
                summary.returned += 1
        answered = not Transfer.objects.filter(
            batch=batch, status__in=[Status.PENDING, Status.SENT]
        ).exists()
        if answered and SettlementBatch.objects.filter(
            pk=batch.pk, status=SettlementBatch.Status.SENT
        ).update(status=SettlementBatch.Status.ANSWERED, answered_at=timezone.now()):
            summary.answered.append(batch.pk)
    return summary


def outcome_apply(
    transfer_id: int, *, accepted: bool, reason: str = "", batch_id: int | None = None
) -> str | None:
    """Settle one ENVIADA transfer with the central bank's answer, once: the transfer row is
    locked and its status checked in the same database transaction as the return posting, the
    status change and the notification. Returns the new status, or None if the transfer was
    not ENVIADA (already settled: nothing happens)."""
    with transaction.atomic():
        query = Transfer.objects.filter(pk=transfer_id, status=Status.SENT)
        if batch_id is not None:
            query = query.filter(batch_id=batch_id)
        transfer = _locking(query).select_related("member", "origin", "institution").first()
        if transfer is None:
            return None
        now = timezone.now()
        if accepted:
            transfer.status = Status.CREDITED
            transfer.settled_at = now
            transfer.save(update_fields=["status", "settled_at"])
            return transfer.status
        reason = (reason or gettext("RECHAZADA POR LA INSTITUCIÓN RECEPTORA"))[:120]
        refund = return_post(transfer, reason)
        transfer.status = Status.RETURNED
        transfer.return_reason = reason
        transfer.return_transaction = refund
        transfer.save(update_fields=["status", "return_reason", "return_transaction"])
        _returned_notify(transfer, refund)
        return transfer.status


def return_post(transfer: Transfer, reason: str):
    """The posting that gives a returned transfer's money back: the amount from the clearing
    account, and the fee and VAT too when ``INTERBANK_RETURN_REFUNDS_FEE``. Its key comes
    from the transfer, so it is posted once however many times it is asked for."""
    origin = transfer.origin_id
    description = f"DEVOLUCIÓN TRANSFERENCIA {reason}"
    legs = [
        Leg(internal_account_id(InternalAccount.INTERBANK_CLEARING), -transfer.amount, description),
        Leg(origin, transfer.amount, description),
    ]
    if settings.INTERBANK_RETURN_REFUNDS_FEE:
        if transfer.fee:
            text = "DEVOLUCIÓN COMISIÓN TRANSFERENCIA PAGO DIRECTO"
            legs += [
                Leg(
                    internal_account_id(InternalAccount.FEE_INCOME),
                    -transfer.fee,
                    text,
                    Entry.Role.FEE,
                ),
                Leg(origin, transfer.fee, text, Entry.Role.FEE),
            ]
        if transfer.vat:
            text = "DEVOLUCIÓN IVA TRANSFERENCIA PAGO DIRECTO"
            legs += [
                Leg(
                    internal_account_id(InternalAccount.VAT_PAYABLE),
                    -transfer.vat,
                    text,
                    Entry.Role.VAT,
                ),
                Leg(origin, transfer.vat, text, Entry.Role.VAT),
            ]
    return transaction_post(
        kind=TransactionKind.INTERBANK_RETURN,
        legs=legs,
        idempotency_key=f"spi-return-{transfer.pk}",
        channel=Channel.SYSTEM,
        memo=gettext("Devolución de transferencia interbancaria"),
        details={"transfer": transfer.pk, "reason": reason, "to_name": transfer.to_name},
    )


def _greeted(member) -> str:
    """Whom a notice greets: a person by their first name, a company by its name."""
    if member.kind == member.Kind.COMPANY or not member.first_names.split():
        return member.full_name
    return member.first_names.split()[0].capitalize()


def _returned_notify(transfer: Transfer, refund) -> None:
    member = transfer.member
    if not member.email:
        return
    refunded = sum(
        (e.amount for e in refund.entries.filter(account_id=transfer.origin_id)),
        Decimal("0.00"),
    )
    notification_queue(
        channel="EMAIL",
        recipient=member.email,
        user=transfer.initiated_by,
        subject=gettext("Transferencia interbancaria devuelta"),
        body=gettext(
            "Hola, %(greeted)s:\n\n"
            "La transferencia interbancaria de $ %(amount)s a %(name)s (%(institution)s, "
            "cuenta %(account)s) del %(date)s fue devuelta por la institución receptora.\n"
            "Motivo: %(reason)s\n\n"
            "Acreditamos $ %(refunded)s en tu cuenta %(origin)s "
            "(comprobante N.º %(receipt)s).\n\n"
            "Cooprogreso en Línea"
        )
        % {
            "greeted": _greeted(member),
            "amount": f"{transfer.amount:,.2f}",
            "name": transfer.to_name,
            "institution": transfer.institution.name if transfer.institution else "",
            "account": "*****" + transfer.to_account_number[-4:],
            "date": date_short(transfer.created_at),
            "reason": transfer.return_reason,
            "refunded": f"{refunded:,.2f}",
            "origin": transfer.origin.masked_number,
            "receipt": refund.receipt_number,
        },
    )


# --- Immediate transfers -----------------------------------------------------------------


def immediate_send(transfer_id: int) -> str | None:
    """Send one PENDIENTE immediate transfer if nobody else is. Its claim is held from before
    the conditional update (PENDIENTE → ENVIADA, so of two workers only one sends it) until
    the answer is applied. Returns the new status (ACREDITADA, DEVUELTA), or None if it was
    not this call's to send or the gateway failed (then it is PENDIENTE again and the sweep
    retries it)."""
    with work_claimed(IMMEDIATE_CLAIM, transfer_id) as claimed:
        if not claimed:  # a live worker is sending it or asking for its answer
            return None
        sent = Transfer.objects.filter(
            pk=transfer_id,
            kind__in=SPI_KINDS,
            status=Status.PENDING,
            settlement=IMMEDIATE,
            institution__isnull=False,
        ).update(status=Status.SENT, sent_at=timezone.now())
        if not sent:
            return None
        return _immediate_ask(transfer_id)


def _immediate_ask(transfer_id: int) -> str | None:
    transfer = Transfer.objects.select_related("institution").get(pk=transfer_id)
    try:
        accepted, reason = gateway().send_immediate(transfer_line(transfer))
    except Exception:
        logger.exception("SPI: no se pudo enviar la transferencia inmediata %s", transfer_id)
        Transfer.objects.filter(pk=transfer_id, status=Status.SENT).update(status=Status.PENDING)
        return None
    return outcome_apply(transfer_id, accepted=accepted, reason=reason)


def immediate_sweep(now: datetime | None = None) -> int:
    """Send the immediate transfers a lost message left PENDIENTE, and ask again (same
    reference: the gateway repeats its first answer) for those a dead worker left ENVIADA:
    at once when their claim is free, or after ``IMMEDIATE_STUCK_AFTER`` anyway. Returns how
    many were settled."""
    now = now or timezone.now()
    base = Transfer.objects.filter(
        kind__in=SPI_KINDS, settlement=IMMEDIATE, batch__isnull=True
    ).order_by("pk")
    settled = 0
    for pk in list(base.filter(status=Status.PENDING).values_list("pk", flat=True)[:500]):
        settled += immediate_send(pk) is not None
    stuck_before = now - IMMEDIATE_STUCK_AFTER
    sent = base.filter(status=Status.SENT)
    if not _claims_tell_the_dead():
        sent = sent.filter(sent_at__lt=stuck_before)
    for pk, sent_at in list(sent.values_list("pk", "sent_at")[:500]):
        try:
            settled += _immediate_ask_again(pk, sent_at, stuck=sent_at < stuck_before)
        except LedgerError:
            logger.exception("SPI: no se pudo devolver la transferencia %s", pk)
    return settled


def _claims_tell_the_dead() -> bool:
    """Whether a free claim means its worker died (PostgreSQL's session locks); SQLite grants
    every claim, so there only the time ENVIADA can say it."""
    return connection.vendor == "postgresql"


def _immediate_ask_again(pk: int, sent_at: datetime, *, stuck: bool) -> bool:
    """Ask once more for an ENVIADA transfer whose worker is gone: its claim free, or (``stuck``)
    ENVIADA for longer than any live worker would wait. Returns whether it was settled now."""
    with work_claimed(IMMEDIATE_CLAIM, pk) as claimed:
        if not claimed and not stuck:  # a live worker is waiting for its answer
            return False
        # Claimed again by moving sent_at: of two sweeps past the time rule, only one asks.
        if not Transfer.objects.filter(pk=pk, status=Status.SENT, sent_at=sent_at).update(
            sent_at=timezone.now()
        ):
            return False
        return _immediate_ask(pk) is not None


# --- Incoming credits --------------------------------------------------------------------


@dataclass
class IncomingSummary:
    credited: int = 0
    returned: int = 0
    skipped: int = 0  # already applied, or not applicable (logged)


def incoming_apply() -> IncomingSummary:
    """Credit what other institutions sent our members, once per central-bank reference: the
    posting's key and the IncomingCredit row (unique reference) are written together. An
    unknown, non-receiving or inactive account is recorded DEVUELTA with no posting. Records
    are acknowledged to the gateway only after they are in the database."""
    summary = IncomingSummary()
    source = gateway()
    taken = []
    for record in source.incoming():
        try:
            status = _incoming_one(record)
        except (LedgerError, IntegrityError, GatewayError):
            logger.exception("SPI: no se pudo aplicar la transferencia recibida %s", record)
            continue
        taken.append(record.reference)
        if status == IncomingCredit.Status.CREDITED:
            summary.credited += 1
        elif status == IncomingCredit.Status.RETURNED:
            summary.returned += 1
        else:
            summary.skipped += 1
    if taken:
        source.incoming_ack(taken)
    return summary


def _incoming_one(record) -> str | None:
    if IncomingCredit.objects.filter(reference=record.reference).exists():
        return None
    institution = Institution.objects.filter(code=record.institution_code).first()
    if institution is None:
        raise GatewayError(f"Institución desconocida: {record.institution_code}")
    account = Account.objects.filter(
        number=record.account_number.strip(), internal_code__isnull=True
    ).first()
    reason = ""
    if account is None or account.product not in RECEIVING_PRODUCTS:
        reason = "CUENTA NO EXISTE"
    elif account.status == Account.Status.CLOSED:
        reason = "CUENTA CERRADA"
    elif account.status != Account.Status.ACTIVE:
        reason = "CUENTA INACTIVA"
    amount = Decimal(record.amount)
    if not reason and (amount <= 0 or amount != amount.quantize(Decimal("0.01"))):
        reason = "MONTO NO VÁLIDO"
    sender = record.sender_name.strip()[:120]
    try:
        with transaction.atomic():
            txn = None
            if not reason:
                description = f"TRANSFERENCIA RECIBIDA DE {sender.upper()}"
                txn = transaction_post(
                    kind=TransactionKind.INTERBANK_TRANSFER,
                    legs=[
                        Leg(
                            internal_account_id(InternalAccount.INTERBANK_CLEARING),
                            -amount,
                            description,
                        ),
                        Leg(account.pk, amount, description),
                    ],
                    idempotency_key=f"spi-incoming-{record.reference}",
                    channel=Channel.SYSTEM,
                    memo=(record.memo or gettext("Transferencia interbancaria recibida"))[:200],
                    details={
                        "incoming": record.reference,
                        "payer": {"name": sender, "institution": institution.name},
                    },
                )
            credit = IncomingCredit.objects.create(
                reference=record.reference,
                institution=institution,
                account_number=record.account_number.strip()[:20],
                amount=amount,
                sender_name=sender,
                memo=record.memo[:100],
                status=IncomingCredit.Status.RETURNED if reason else IncomingCredit.Status.CREDITED,
                return_reason=reason,
                transaction=txn,
            )
    except IntegrityError:
        # Another worker recorded the same reference meanwhile: it is theirs.
        if IncomingCredit.objects.filter(reference=record.reference).exists():
            return None
        raise
    return credit.status
