"""What a receipt (comprobante) shows: the reader's own side of a transaction.

A transaction can touch many people (a bulk payment credits up to 500 payees in one posting), so
a receipt is built from the reader's own entries — their amount, their account, their fee — and
names the other side only when it is a single party: the one payer of a credit, the one payee of
a debit. Never another beneficiary of the same posting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext

from .models import Entry, Transaction

ZERO = Decimal("0.00")


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


def _stated(details: dict, key: str) -> Party | None:
    """A party the posting service wrote down (an interbank payee, the company of a bulk
    payment): the ledger alone cannot name it."""
    value = details.get(key)
    return Party(**value) if isinstance(value, dict) else None


def _single_party(entries: list[Entry]) -> Party | None:
    """The other side, when it is one account; several (a bulk payment's payees) are nobody's
    business but their own."""
    accounts = {e.account_id for e in entries}
    return _party(entries[0]) if len(accounts) == 1 else None


def _sum(entries, role: str) -> Decimal:
    return abs(sum((e.amount for e in entries if e.role == role), ZERO))


def receipt_build(*, transaction: Transaction, entries: list[Entry], own: list[Entry]) -> Receipt:
    """``entries``: the whole transaction; ``own``: the reader's entries in it (those the
    access helper let them read)."""
    details = transaction.details or {}
    principal = [e for e in own if e.role == Entry.Role.PRINCIPAL]
    debits = [e for e in principal if e.amount < 0]
    own_accounts = {e.account_id for e in own}
    if debits:
        # The reader paid: their account is the origin, the payee is whom they paid.
        amount = -sum((e.amount for e in debits), ZERO)
        origin = _party(debits[0])
        others = [
            e
            for e in entries
            if e.role == Entry.Role.PRINCIPAL and e.amount > 0 and e.account_id not in own_accounts
        ] or [e for e in principal if e.amount > 0]  # between the reader's own accounts
        beneficiary = _stated(details, "beneficiary") or (_single_party(others) if others else None)
        headline = debits[0]
    else:
        # The reader was paid (or refunded): their account is the beneficiary.
        credits = [e for e in principal if e.amount > 0]
        amount = sum((e.amount for e in credits), ZERO)
        beneficiary = _party(credits[0]) if credits else _party(own[0])
        payers = [
            e
            for e in entries
            if e.role == Entry.Role.PRINCIPAL and e.amount < 0 and e.account_id not in own_accounts
        ]
        origin = _stated(details, "payer") or (_single_party(payers) if payers else None)
        headline = credits[0] if credits else own[0]
    return Receipt(
        transaction=transaction,
        title=gettext("Comprobante %(type)s") % {"type": headline.note_type},
        amount=amount,
        fee=_sum(own, Entry.Role.FEE),
        vat=_sum(own, Entry.Role.VAT),
        origin=origin,
        beneficiary=beneficiary,
        lines=own,
    )
