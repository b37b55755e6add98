"""Counter and back-office operations. Each one needs a reason and leaves an audit row."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from identity.services.audit import audit_record

from ..models import Account, Channel, InternalAccount, Transaction, TransactionKind
from .ledger import InvalidPosting, Leg, internal_account_id, to_money, transaction_post

OPERATIONS = {
    # operation: (kind, description on the member's statement, internal counter-account, sign)
    "deposit": (TransactionKind.DEPOSIT, "DEPÓSITO AHORROS", InternalAccount.CASH, +1),
    "withdrawal": (TransactionKind.WITHDRAWAL, "RETIRO DE AHORROS", InternalAccount.CASH, -1),
    "interest": (
        TransactionKind.INTEREST,
        "CAPITALIZACIÓN DE INTERESES",
        InternalAccount.INTEREST_EXPENSE,
        +1,
    ),
}


def backoffice_operation_post(
    *,
    operation: str,
    account: Account,
    amount,
    reason: str,
    idempotency_key: str,
    staff_user,
    memo: str = "",
    posted_at=None,
) -> Transaction:
    """Cash deposit, cash withdrawal or interest capitalisation on a customer account."""
    if operation not in OPERATIONS:
        raise InvalidPosting(gettext("Operación desconocida."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidPosting(gettext("El motivo es obligatorio."))
    amount = to_money(amount)
    if amount <= 0:
        raise InvalidPosting(gettext("El monto debe ser mayor a cero."))
    if account.is_internal:
        raise InvalidPosting(gettext("Las cuentas internas no reciben operaciones de ventanilla."))
    kind, description, counter, sign = OPERATIONS[operation]
    counter_id = internal_account_id(counter)
    legs = [
        Leg(account.pk, sign * amount, description),
        Leg(counter_id, -sign * amount, description),
    ]
    with transaction.atomic():
        # A resubmitted form finds its first posting: same result, no second audit row.
        replay = Transaction.objects.filter(idempotency_key=idempotency_key).exists()
        txn = transaction_post(
            kind=kind,
            legs=legs,
            idempotency_key=idempotency_key,
            channel=Channel.BRANCH,
            memo=memo or description,
            reason=reason,
            initiated_by=staff_user,
            posted_at=posted_at,
        )
        if replay:
            return txn
        audit_record(
            actor=staff_user,
            action=f"ledger.{operation}",
            target=account,
            after={"transaction": txn.receipt_number, "amount": str(amount)},
            reason=reason,
        )
    return txn
