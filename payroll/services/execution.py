"""An approved bulk payment: the approval debits the company once (the total to the payroll
clearing account, each interbank row's fee and VAT as their own movements, consuming the
order's hold); then a task pays the rows from the clearing account in chunks, each chunk one
posting and the rows' new states in the same transaction. A worker killed midway leaves every
row either paid with its posting or still PENDIENTE, so running the task again pays nobody
twice and nobody zero times. While a worker pays an order it holds the order's claim
(``common.claims``), which ends with that worker's database session: the every-minute sweep
leaves a live worker's order alone and resumes a dead one's at once. Rows that cannot be paid
go back to the company in one refund."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from accounts.models import (
    Account,
    Channel,
    Entry,
    InternalAccount,
    Transaction,
    TransactionKind,
)
from accounts.registries.operations import Context
from accounts.services.ledger import Leg, internal_account_id, transaction_post
from common.background import enqueue
from common.claims import work_claimed
from enterprise.models import ApprovalOrder
from identity.models import Notification
from transfers.models import Institution, Transfer
from transfers.services.calendar import process_date_for

from ..models import PayrollRow
from .batches import PAYROLL_KIND, PayrollError, PayrollPayload, interbank_charges, rows_digest

CHUNK = 500
CLAIM = "payroll.rows_pay"
Payment = PayrollRow.Payment


def _order_rows(order_id: int):
    return PayrollRow.objects.filter(order_id=order_id, payment=Payment.PENDING)


def payroll_debit(payload: PayrollPayload, context: Context) -> dict:
    """The operation's ``execute``: run by the approval engine under the order's lock, once —
    the single debit of the company account, consuming the order's hold; a task then pays the
    rows (``rows_pay``)."""
    if context.reference is None:
        raise PayrollError(gettext("Los pagos masivos se registran como órdenes de la empresa."))
    rows = _order_rows(context.reference)
    if rows.count() != payload.rows or rows_digest(rows) != payload.digest:
        raise PayrollError(
            gettext("La nómina cambió después de registrarse la orden: regístrala de nuevo.")
        )
    memo = f"PAGO MASIVO {payload.memo}".strip()[:120]
    txn = transaction_post(
        kind=TransactionKind.SALARY,
        legs=_debit_legs(payload, memo),
        idempotency_key=f"payroll:{context.reference}:debit",
        channel=Channel.ENTERPRISE,
        memo=memo,
        # Its receipt names the bulk payment, never one of the payees.
        details={
            "beneficiary": {
                "name": ngettext(
                    "Pago masivo: %(rows)s beneficiario",
                    "Pago masivo: %(rows)s beneficiarios",
                    payload.rows,
                )
                % {"rows": payload.rows}
            }
        },
        initiated_by=context.user,
        consume_holds=context.holds,
    )
    order_id = context.reference
    transaction.on_commit(lambda: enqueue("payroll.tasks.payroll_execute", order_id))
    return {"batch": str(payload.batch), "receipt": txn.receipt_number, "rows": payload.rows}


def _debit_legs(payload: PayrollPayload, memo: str) -> list[Leg]:
    company_account = payload.origin
    clearing = internal_account_id(InternalAccount.PAYROLL_CLEARING)
    legs = [Leg(company_account, -payload.amount, memo), Leg(clearing, payload.amount, memo)]
    if not payload.interbank:
        return legs
    fee, vat = interbank_charges()
    fees, vats = fee * payload.interbank, vat * payload.interbank
    fee_text, vat_text = "COMISIÓN PAGO MASIVO OTROS BANCOS", "IVA PAGO MASIVO OTROS BANCOS"
    return [
        *legs,
        Leg(company_account, -fees, fee_text, Entry.Role.FEE),
        Leg(internal_account_id(InternalAccount.FEE_INCOME), fees, fee_text, Entry.Role.FEE),
        Leg(company_account, -vats, vat_text, Entry.Role.VAT),
        Leg(internal_account_id(InternalAccount.VAT_PAYABLE), vats, vat_text, Entry.Role.VAT),
    ]


def payroll_release(payload: PayrollPayload, reference: int) -> None:
    """Rejected, expired, withdrawn or failed: its rows can be paid by another order."""
    _order_rows(reference).update(order=None, payment=Payment.NONE)


# --- Paying the rows ---------------------------------------------------------------------------


def rows_pay(*, order_id: int, chunk: int = CHUNK) -> dict | None:
    """Pays an executed order's PENDIENTE rows, chunk by chunk; safe to run again at any time.
    None when a live worker is paying this order now (it holds the order's claim): a sweep
    leaves it to that worker, and takes it over as soon as that worker dies."""
    with work_claimed(CLAIM, order_id) as claimed:
        return _rows_pay(order_id, chunk) if claimed else None


def _rows_pay(order_id: int, chunk: int) -> dict:
    order = ApprovalOrder.objects.select_related("company", "debit_account").get(pk=order_id)
    if order.status != ApprovalOrder.Status.EXECUTED or order.kind != PAYROLL_KIND:
        return {"paid": 0, "sent": 0, "rejected": 0}
    counts = {"paid": 0, "sent": 0, "rejected": 0}
    while True:
        done = _chunk_pay(order, chunk)
        if done is None:
            break
        for name, value in done.items():
            counts[name] += value
    _refund_rejected(order)
    return counts


def _chunk_pay(order: ApprovalOrder, size: int) -> dict | None:
    with transaction.atomic():
        rows = list(
            _order_rows(order.pk)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("institution")
            .order_by("pk")[:size]
        )
        if not rows:
            return None
        accounts = {
            a.pk: a
            for a in Account.objects.filter(
                pk__in=[r.account_id for r in rows if r.account_id]
            ).only("pk", "status")
        }
        internal, interbank, rejected = [], [], []
        for row in rows:
            if row.interbank:
                if row.institution is None or not row.institution.active:
                    rejected.append((row, gettext("La institución ya no recibe transferencias.")))
                else:
                    interbank.append(row)
            elif (
                row.account_id in accounts
                and accounts[row.account_id].status == Account.Status.ACTIVE
            ):
                internal.append(row)
            else:
                rejected.append((row, gettext("La cuenta de destino ya no está activa.")))
        clearing = internal_account_id(InternalAccount.PAYROLL_CLEARING)
        now = timezone.now()
        if internal:
            memo = f"ACREDITACIÓN PAGO MASIVO {order.company.name}"[:120]
            total = sum((r.amount for r in internal), Decimal("0.00"))
            txn = transaction_post(
                kind=TransactionKind.SALARY,
                legs=[Leg(clearing, -total, memo)]
                + [Leg(r.account_id, r.amount, memo) for r in internal],
                idempotency_key=f"payroll:{order.pk}:rows:{internal[0].pk}:{internal[-1].pk}:{len(internal)}",
                channel=Channel.ENTERPRISE,
                memo=memo,
                # Each payee's receipt names who paid them; the other payees are not theirs.
                details={"payer": {"name": order.company.name}},
                initiated_by=order.created_by,
            )
            for row in internal:
                row.payment, row.transaction = Payment.PAID, txn
        for row in interbank:
            row.transfer = _interbank(order, row, clearing)
            row.transaction_id = row.transfer.transaction_id
            row.payment = Payment.SENT
        for row, reason in rejected:
            row.payment, row.payment_reason = Payment.REJECTED, reason[:200]
        PayrollRow.objects.bulk_update(
            rows, ["payment", "payment_reason", "transaction", "transfer"], batch_size=size
        )
        _notify([r for r in internal + interbank if r.email], order, now)
        return {"paid": len(internal), "sent": len(interbank), "rejected": len(rejected)}


def _interbank(order: ApprovalOrder, row: PayrollRow, clearing: int) -> Transfer:
    """One row to another bank: its own posting (clearing → interbank clearing) and the Transfer
    the settlement cycles send; its fee and VAT were charged with the order's debit."""
    fee, vat = interbank_charges()
    memo = "TRANSFERENCIA PAGO MASIVO"
    txn = transaction_post(
        kind=TransactionKind.INTERBANK_TRANSFER,
        legs=[
            Leg(clearing, -row.amount, memo),
            Leg(internal_account_id(InternalAccount.INTERBANK_CLEARING), row.amount, memo),
        ],
        idempotency_key=f"payroll:{order.pk}:row:{row.pk}",
        channel=Channel.ENTERPRISE,
        memo=memo,
        initiated_by=order.created_by,
    )
    return Transfer.objects.create(
        kind=Transfer.Kind.INTERBANK,
        status=Transfer.Status.PENDING,
        member=order.company.member,
        initiated_by=order.created_by,
        channel=Channel.ENTERPRISE,
        origin=order.debit_account,
        institution=row.institution,
        to_account_number=row.account_number,
        to_account_type=row.account_type,
        to_name=row.name,
        to_id_type=row.id_type,
        to_identification=row.identification,
        to_email=row.email,
        amount=row.amount,
        fee=fee,
        vat=vat,
        memo=(order.payload.get("memo") or "PAGO MASIVO")[:100],
        idempotency_key=f"payroll-{order.pk}-row-{row.pk}",
        transaction=txn,
        settlement=Institution.Settlement.BATCH,
        process_date=process_date_for(),
        bulk=True,
    )


def _notify(rows, order, now) -> None:
    """One insert for the chunk; the outbox relay sends them (a lost wake-up costs a delay).
    The text is ours only — never the company's memo — so the cooperative's mail cannot carry
    someone else's message; other banks' payees learn it was sent, not credited."""
    Notification.objects.bulk_create(
        Notification(
            channel=Notification.Channel.EMAIL,
            recipient=row.email,
            subject=gettext("Pago de %(company)s") % {"company": order.company.name},
            body=(
                gettext(
                    "%(company)s te envió $ %(amount)s a tu cuenta ****%(last)s de "
                    "%(bank)s. Se acreditará cuando esa institución lo procese."
                )
                if row.interbank
                else gettext(
                    "%(company)s te pagó $ %(amount)s en tu cuenta ****%(last)s de Cooprogreso."
                )
            )
            % {
                "company": order.company.name,
                "amount": f"{row.amount:,.2f}",
                "last": row.account_number[-4:],
                "bank": row.institution.name if row.institution else "",
            },
        )
        for row in rows
    )
    if rows:
        transaction.on_commit(lambda: enqueue("identity.tasks.notifications_flush"))


REFUND_KEY = "payroll:{order}:refund"


def _refund_rejected(order: ApprovalOrder) -> None:
    """Once no row waits: what could not be paid returns to the company in one posting — the
    amounts, and for other banks' rows never sent, the fee and VAT charged with the debit.
    Its key makes it once; ``orders_unfinished`` finds an order whose refund did not happen."""
    if _order_rows(order.pk).exists():
        return
    rejected = PayrollRow.objects.filter(order=order, payment=Payment.REJECTED)
    refund = rejected.aggregate(total=Sum("amount"))["total"]
    if not refund:
        return
    memo = "DEVOLUCIÓN PAGO MASIVO FILAS RECHAZADAS"
    company = order.debit_account_id
    legs = [
        Leg(internal_account_id(InternalAccount.PAYROLL_CLEARING), -refund, memo),
        Leg(company, refund, memo),
    ]
    interbank = rejected.filter(interbank=True).count()
    if interbank:
        fee, vat = interbank_charges()
        legs += [
            Leg(internal_account_id(InternalAccount.FEE_INCOME), -fee * interbank, memo),
            Leg(company, fee * interbank, "DEVOLUCIÓN COMISIÓN PAGO MASIVO", Entry.Role.FEE),
            Leg(internal_account_id(InternalAccount.VAT_PAYABLE), -vat * interbank, memo),
            Leg(company, vat * interbank, "DEVOLUCIÓN IVA PAGO MASIVO", Entry.Role.VAT),
        ]
    transaction_post(
        kind=TransactionKind.SALARY,
        legs=legs,
        idempotency_key=REFUND_KEY.format(order=order.pk),
        channel=Channel.ENTERPRISE,
        memo=memo,
        details={"payer": {"name": gettext("Pago masivo: filas no pagadas")}},
        initiated_by=order.created_by,
    )


def orders_unfinished() -> list[int]:
    """Executed bulk-payment orders with rows still waiting, or rows rejected whose refund was
    never posted (their task died or never ran)."""
    executed = ApprovalOrder.Status.EXECUTED
    waiting = set(
        PayrollRow.objects.filter(payment=Payment.PENDING, order__status=executed)
        .order_by()
        .values_list("order_id", flat=True)
        .distinct()
    )
    rejected = set(
        PayrollRow.objects.filter(payment=Payment.REJECTED, order__status=executed)
        .order_by()
        .values_list("order_id", flat=True)
        .distinct()
    )
    refunded = set(
        Transaction.objects.filter(
            idempotency_key__in=[REFUND_KEY.format(order=pk) for pk in rejected]
        ).values_list("idempotency_key", flat=True)
    )
    unrefunded = {pk for pk in rejected if REFUND_KEY.format(order=pk) not in refunded}
    return sorted(waiting | unrefunded)
