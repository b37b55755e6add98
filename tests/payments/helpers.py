"""What the payments tests share: a member with money, balances, and an order to pay."""

from decimal import Decimal
from itertools import count

from accounts.models import Account, Channel, InternalAccount
from accounts.services.ledger import internal_account_id
from payments.services.bills import PaymentOrder
from payments.services.gateway import Bill
from tests.factories import AccountFactory, UserFactory, deposit

_keys = count(1)


def payer(amount="500.00", email="socio@example.com"):
    """A member (its user) and the savings account it pays from."""
    user = UserFactory()
    member = user.customer
    if email:
        member.email = email
        member.save(update_fields=["email"])
    account = AccountFactory(owner=member)
    deposit(account, amount)
    return user, account


def balance(account_or_code) -> Decimal:
    if isinstance(account_or_code, Account):
        return Account.objects.get(pk=account_or_code.pk).balance
    return Account.objects.get(pk=internal_account_id(account_or_code)).balance


def in_transit() -> Decimal:
    return balance(InternalAccount.PAYMENTS_IN_TRANSIT)


def order(user, account, biller, reference, *, amount=None, bill=None, key=None, **extra):
    """A payment of ``bill`` (or of ``amount`` typed) for ``reference``'s first field."""
    field = biller.fields[0]["name"]
    return PaymentOrder(
        user=user,
        member=user.customer,
        origin=account,
        biller=biller,
        reference=reference,
        reference_fields={field: reference},
        bill=bill,
        amount=Decimal(amount) if amount is not None else bill.amount,
        idempotency_key=key or f"pago-test-{next(_keys)}",
        channel=Channel.WEB,
        **extra,
    )


def a_bill(reference: str, amount=None, number=None) -> Bill:
    digits = reference[-2:]
    return Bill(
        number=number or f"F-{reference}",
        period="Enero 2026",
        amount=Decimal(amount or f"{int(digits)}.50"),
        due_on=None,
    )
