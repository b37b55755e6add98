"""Reads for the member's pages. Every fetch of a customer's object goes through an access helper
that answers 404 for anybody else's."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext

from .models import (
    DEPOSIT_PRODUCTS,
    Account,
    Channel,
    Entry,
    ExportJob,
    Product,
    TermDeposit,
    Transaction,
)
from .registries.scopes import account_scope


def channel_of(request) -> str:
    """The channel an order comes through: the phone app's browsers (the same site) or the
    web. A company's operations are recorded as Banca Empresas when their order runs."""
    agent = request.META.get("HTTP_USER_AGENT", "")
    mobile = any(t in agent for t in ("Mobile", "Android", "iPhone"))
    return Channel.MOBILE if mobile else Channel.WEB


def customer_of(user):
    """The Member whose products this login operates, or None (staff without products)."""
    return getattr(user, "customer", None) if user.is_authenticated else None


def account_get_for_user(*, user, number: str) -> Account:
    member = customer_of(user)
    if member is None:
        raise Http404
    accounts = Account.objects.filter(owner=member, product__in=DEPOSIT_PRODUCTS)
    scope = account_scope(user)
    if scope is not None:
        accounts = accounts.filter(pk__in=scope.values("pk"))
    try:
        return accounts.get(number=number)
    except Account.DoesNotExist:
        raise Http404 from None


def export_job_get_for_user(*, user, job_id: int) -> ExportJob:
    """The user's own export, while its account is still one they may read: a job outlives the
    request that queued it, and access (a company user's account grants) can be withdrawn in
    between, so every look at the job asks ``account_get_for_user`` again."""
    try:
        job = ExportJob.objects.select_related("account").get(pk=job_id, user_id=user.pk)
    except ExportJob.DoesNotExist:
        raise Http404 from None
    job.account = account_get_for_user(user=user, number=job.account.number)
    return job


def holds_active_for(account: Account) -> list:
    """What is reserved on the account and why (orders waiting for signatures, settlements):
    the difference between its balance and what is available."""
    from .models import Hold

    return list(
        Hold.objects.filter(account=account, status=Hold.Status.ACTIVE)
        .select_related("order")
        .order_by("created_at")
    )


def term_deposit_get_for_user(*, user, number: str) -> TermDeposit:
    member = customer_of(user)
    if member is None:
        raise Http404
    try:
        return TermDeposit.objects.select_related("payout_account").get(number=number, owner=member)
    except TermDeposit.DoesNotExist:
        raise Http404 from None


def receipt_get_for_user(
    *, user, receipt_number: str
) -> tuple[Transaction, list[Entry], list[Entry]]:
    """A transaction, its entries and the reader's own among them, if one of its entries touches
    an account the user may read (a company user: the accounts granted to them)."""
    member = customer_of(user)
    if member is None or not receipt_number.isdigit() or len(receipt_number) > 18:
        raise Http404
    entries = list(
        Entry.objects.filter(transaction_id=int(receipt_number))
        .select_related("transaction", "account__owner")
        .order_by("id")
    )
    own = [e for e in entries if e.account.owner_id == member.pk]
    scope = account_scope(user)
    if scope is not None:
        allowed = set(scope.values_list("pk", flat=True))
        own = [e for e in own if e.account_id in allowed]
    if not own:
        raise Http404
    return entries[0].transaction, entries, own


# -- receipts ------------------------------------------------------------------------------------

RECEIPT_ZERO = Decimal("0.00")


def _masked(number: str) -> str:
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
        identification=_masked(owner.identification),
        account=f"{account.get_product_display()} {account.masked_number}",
        institution=settings.COOPERATIVE["name"],
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


def _role_total(entries, role: str) -> Decimal:
    return abs(sum((e.amount for e in entries if e.role == role), RECEIPT_ZERO))


def receipt_build(*, transaction: Transaction, entries: list[Entry], own: list[Entry]) -> Receipt:
    """What a receipt (comprobante) shows: the reader's own side of a transaction.

    A transaction can touch many people (a bulk payment credits up to 500 payees in one
    posting), so a receipt is built from the reader's own entries — their amount, their account,
    their fee — and names the other side only when it is a single party: the one payer of a
    credit, the one payee of a debit. Never another beneficiary of the same posting.
    ``entries``: the whole transaction; ``own``: the reader's entries in it (those
    ``receipt_get_for_user`` let them read)."""
    details = transaction.details or {}
    principal = [e for e in own if e.role == Entry.Role.PRINCIPAL]
    debits = [e for e in principal if e.amount < 0]
    own_accounts = {e.account_id for e in own}
    if debits:
        # The reader paid: their account is the origin, the payee is whom they paid.
        amount = -sum((e.amount for e in debits), RECEIPT_ZERO)
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
        amount = sum((e.amount for e in credits), RECEIPT_ZERO)
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
        fee=_role_total(own, Entry.Role.FEE),
        vat=_role_total(own, Entry.Role.VAT),
        origin=origin,
        beneficiary=beneficiary,
        lines=own,
    )


def accounts_for_member(*, member) -> list[Account]:
    return list(
        Account.objects.filter(owner=member, product__in=DEPOSIT_PRODUCTS).order_by(
            "product", "number"
        )
    )


def term_deposits_for_member(*, member) -> list[TermDeposit]:
    return list(TermDeposit.objects.filter(owner=member).order_by("-issued_on", "pk"))


def term_deposit_interest_earned(deposit: TermDeposit, *, on: date | None = None) -> Decimal:
    """Interest accrued so far: capital × rate × days / basis (actual/360 by default)."""
    on = min(on or timezone.localdate(), deposit.matures_on)
    days = max((on - deposit.issued_on).days, 0)
    interest = (
        deposit.capital
        * deposit.annual_rate
        / Decimal(100)
        * days
        / settings.TERM_DEPOSIT_DAY_BASIS
    )
    return interest.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def term_deposit_interest_at_maturity(deposit: TermDeposit) -> Decimal:
    return term_deposit_interest_earned(deposit, on=deposit.matures_on)


@dataclass
class Position:
    accounts: list[Account]
    shares: list[Account]
    term_deposits: list[TermDeposit]


def position_for_member(*, member, only=None) -> Position:
    all_accounts = accounts_for_member(member=member)
    if only is not None:
        allowed = set(only.values_list("pk", flat=True))
        all_accounts = [a for a in all_accounts if a.pk in allowed]
    deposits = term_deposits_for_member(member=member)
    for deposit in deposits:
        deposit.interest_earned = term_deposit_interest_earned(deposit)
    return Position(
        accounts=[a for a in all_accounts if a.product != Product.SHARES],
        shares=[a for a in all_accounts if a.product == Product.SHARES],
        term_deposits=deposits,
    )


def position_cache_key(*, member, hide_amounts: bool) -> str:
    """Where the rendered position is cached. ``products_version`` changes in the same database
    transaction as any change to the member's products (every service that changes one calls
    ``member_products_changed``; the ledger bumps it in its own SQL), and the user row that
    carries it is read before the data, so a page can never be cached or served older than its
    version. What the page shows of the member row itself (name and identification, in the
    "Compartir" text) is rendered from that same row, so it is in the key as is, whoever
    edits it. The date is in the key because interest earned grows daily; ``created_at`` tells
    apart a member row that reused a deleted one's id."""
    holder = hashlib.blake2b(
        f"{member.full_name}\x1f{member.id_type}\x1f{member.identification}".encode(),
        digest_size=8,
    ).hexdigest()
    return (
        f"position:v1:{member.pk}:{member.created_at.timestamp()}:{member.products_version}:"
        f"{holder}:{int(hide_amounts)}:{timezone.localdate():%Y%m%d}:{translation.get_language()}"
    )


def local_day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(first, time.min), tz)
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min), tz)
    return start, end


def movement_list(
    *,
    account: Account,
    date_from: date,
    date_to: date,
    direction: str = "todos",
    newest_first: bool = True,
) -> QuerySet[Entry]:
    start, end = local_day_bounds(date_from, date_to)
    entries = Entry.objects.filter(account=account, posted_at__gte=start, posted_at__lt=end)
    if direction == "debitos":
        entries = entries.filter(amount__lt=0)
    elif direction == "creditos":
        entries = entries.filter(amount__gt=0)
    order = ("-posted_at", "-id") if newest_first else ("posted_at", "id")
    return entries.select_related("transaction").order_by(*order)


def opening_balance(*, account: Account, before: datetime) -> Decimal:
    last = (
        Entry.objects.filter(account=account, posted_at__lt=before)
        .order_by("-posted_at", "-id")
        .values_list("balance_after", flat=True)
        .first()
    )
    return last if last is not None else Decimal("0.00")
