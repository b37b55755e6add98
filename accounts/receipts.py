"""What a receipt (comprobante) shows, built from a transaction's entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext

from .models import Entry, Transaction


def mask(number: str) -> str:
    return "*****" + number[-4:] if number else ""


@dataclass
class Party:
    name: str = ""
    identification: str = ""
    account: str = ""
    institution: str = ""


@dataclass
class Receipt:
    transaction: Transaction
    title: str
    amount: Decimal
    fee: Decimal
    vat: Decimal
    origin: Party | None
    beneficiary: Party | None
    lines: list[Entry] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.amount + self.fee + self.vat


def _party(entry: Entry) -> Party:
    account = entry.account
    if account.is_internal:
        return Party(name=account.get_internal_code_display())
    owner = account.owner
    return Party(
        name=owner.full_name,
        identification=mask(owner.identification),
        account=f"{account.get_product_display()} {account.masked_number}",
        institution="Cooprogreso",
    )


def receipt_build(*, transaction: Transaction, entries: list[Entry], member) -> Receipt:
    mine = [e for e in entries if e.account.owner_id == member.pk]
    principal = [e for e in entries if e.role == Entry.Role.PRINCIPAL]
    debit = next((e for e in principal if e.amount < 0 and not e.account.is_internal), None)
    credit = next((e for e in principal if e.amount > 0 and not e.account.is_internal), None)
    amount = abs((debit or credit or entries[0]).amount)
    payer = debit.account_id if debit else None
    fee = sum(
        (-e.amount for e in entries if e.role == Entry.Role.FEE and e.account_id == payer),
        Decimal("0"),
    )
    vat = sum(
        (-e.amount for e in entries if e.role == Entry.Role.VAT and e.account_id == payer),
        Decimal("0"),
    )
    details = transaction.details or {}
    beneficiary = _party(credit) if credit else None
    if details.get("beneficiary"):
        beneficiary = Party(**details["beneficiary"])
    origin = _party(debit) if debit else Party(name=transaction.get_channel_display())
    own_entry = mine[0] if mine else entries[0]
    return Receipt(
        transaction=transaction,
        title=gettext("Comprobante %(type)s") % {"type": own_entry.note_type},
        amount=amount,
        fee=fee,
        vat=vat,
        origin=origin,
        beneficiary=beneficiary,
        lines=mine,
    )
