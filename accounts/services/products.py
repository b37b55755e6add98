"""Staff edits of a member's accounts and term deposits (the admin): the row and the version of
the member's cached position change in one transaction. Money never moves here (the ledger)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import QuerySet

from identity.services.members import member_products_changed

from ..models import Account, TermDeposit


def account_save(*, account: Account, fields: Sequence[str] | None = None) -> Account:
    """A new account, or the ``fields`` staff changed on an existing one. Only those: a full
    save would write back the balances read when the edit began, undoing any posting that
    committed meanwhile."""
    with transaction.atomic():
        account.save(update_fields=fields if account.pk else None)
        member_products_changed(member_ids=[account.owner_id])
    return account


def term_deposit_save(*, deposit: TermDeposit, fields: Sequence[str] | None = None) -> TermDeposit:
    """A new term deposit, or the ``fields`` staff changed on an existing one."""
    with transaction.atomic():
        deposit.save(update_fields=fields if deposit.pk else None)
        member_products_changed(member_ids=[deposit.owner_id])
    return deposit


def term_deposits_delete(*, deposits: QuerySet[TermDeposit]) -> None:
    with transaction.atomic():
        owners = list(deposits.values_list("owner_id", flat=True))
        deposits.delete()
        member_products_changed(member_ids=owners)
