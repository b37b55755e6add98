"""Ordering transfers: every rule of the three kinds, limits and funds declarations."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from accounts.models import Account, Entry, InternalAccount, Product
from accounts.services.integrity import ledger_problems
from accounts.services.ledger import internal_account_id
from identity.models import IdType, Notification
from tests.factories import AccountFactory, deposit
from transfers.models import Institution, LimitCategory, MemberLimit, Transfer
from transfers.services.fees import interbank_fee
from transfers.services.limits import used_of
from transfers.services.orders import (
    Order,
    Payee,
    TransferError,
    interbank_transfer,
    member_transfer,
    own_transfer,
)

pytestmark = pytest.mark.django_db
_keys = iter(range(10**6))


def order(user, amount, origin=None, **extra):
    member = user.customer
    origin = origin or Account.objects.filter(owner=member, product=Product.SAVINGS).first()
    return Order(
        user=user,
        member=member,
        origin=origin,
        amount=Decimal(amount),
        memo=extra.pop("memo", "Prueba"),
        idempotency_key=extra.pop("key", f"t-{next(_keys)}"),
        channel="WEB",
        **extra,
    )


def savings(user):
    return Account.objects.filter(owner=user.customer, product=Product.SAVINGS).first()


@pytest.fixture
def payee(db):
    return Payee(
        institution=Institution.objects.get(code="0032"),
        account_number="2200123456",
        account_type="AHORROS",
        name="FANNY ONTANEDA",
        id_type=IdType.CEDULA,
        identification="1710034065",
        email="fanny@example.com",
    )


def test_own_transfer_moves_money_without_fee(member_user):
    shares = AccountFactory(owner=member_user.customer, product=Product.SHARES)
    transfer = own_transfer(order=order(member_user, "120.50"), destination=shares)
    assert transfer.status == Transfer.Status.DONE and transfer.fee == 0
    assert savings(member_user).balance == Decimal("379.50")
    shares.refresh_from_db()
    assert shares.balance == Decimal("120.50")
    descriptions = set(transfer.transaction.entries.values_list("description", flat=True))
    assert descriptions == {"TRANSFERENCIA ENTRE CUENTAS MISMO CLIENTE"}


@pytest.mark.parametrize(
    "amount, message",
    [
        ("0", "mayor a $ 0.00"),
        ("-5", "mayor a $ 0.00"),
        ("1.001", "dos decimales"),
        ("99999999999999999", "máximo permitido"),
        ("600", "Fondos insuficientes"),
    ],
)
def test_bad_amounts_change_nothing(member_user, outsider, amount, message):
    with pytest.raises(TransferError, match=re.escape(message)):
        member_transfer(order=order(member_user, amount), destination=savings(outsider))
    assert not Transfer.objects.exists()
    assert savings(member_user).balance == Decimal("500.00")


def test_same_origin_and_destination_and_foreign_origin_are_refused(member_user, outsider):
    mine = savings(member_user)
    with pytest.raises(TransferError, match="distintas"):
        own_transfer(order=order(member_user, "10"), destination=mine)
    with pytest.raises(TransferError, match="Elige una de tus cuentas como origen"):
        member_transfer(order=order(member_user, "10", origin=savings(outsider)), destination=mine)
    with pytest.raises(TransferError, match="Elige una de tus cuentas como destino"):
        own_transfer(order=order(member_user, "10"), destination=savings(outsider))


def test_inactive_accounts_are_refused(member_user, outsider):
    dest = savings(outsider)
    Account.objects.filter(pk=dest.pk).update(status=Account.Status.INACTIVE)
    dest.refresh_from_db()
    with pytest.raises(TransferError, match="no puede recibir"):
        member_transfer(order=order(member_user, "10"), destination=dest)
    mine = savings(member_user)
    Account.objects.filter(pk=mine.pk).update(status=Account.Status.INACTIVE)
    with pytest.raises(TransferError, match="no está activa"):
        member_transfer(
            order=order(member_user, "10", origin=Account.objects.get(pk=mine.pk)),
            destination=savings(outsider),
        )


def test_member_transfer_and_the_beneficiary_notice(member_user, outsider):
    transfer = member_transfer(
        order=order(member_user, "25.00"), destination=savings(outsider), email="ben@example.com"
    )
    assert savings(outsider).balance == Decimal("525.00")
    assert transfer.to_name == outsider.customer.full_name
    notice = Notification.objects.get(recipient="ben@example.com")
    assert "$ 25.00" in notice.body and transfer.transaction.receipt_number in notice.body


def test_a_repeated_key_returns_the_first_transfer(member_user, outsider):
    first = member_transfer(
        order=order(member_user, "10", key="k-1"), destination=savings(outsider)
    )
    again = member_transfer(
        order=order(member_user, "10", key="k-1"), destination=savings(outsider)
    )
    assert again.pk == first.pk and Transfer.objects.count() == 1
    assert savings(member_user).balance == Decimal("490.00")


def test_interbank_debits_amount_fee_and_vat_as_three_movements(member_user, payee):
    assert interbank_fee() == (Decimal("0.36"), Decimal("0.05"))
    transfer = interbank_transfer(order=order(member_user, "100"), payee=payee)
    assert transfer.status == Transfer.Status.PENDING and transfer.total == Decimal("100.41")
    assert savings(member_user).balance == Decimal("399.59")
    mine = transfer.transaction.entries.filter(account=savings(member_user)).order_by("id")
    assert [(e.description, e.amount, e.role) for e in mine] == [
        ("ND TRANSFERENCIA PAGO DIRECTO", Decimal("-100.00"), Entry.Role.PRINCIPAL),
        ("COMISIÓN TRANSFERENCIA PAGO DIRECTO", Decimal("-0.36"), Entry.Role.FEE),
        ("IVA TRANSFERENCIA PAGO DIRECTO", Decimal("-0.05"), Entry.Role.VAT),
    ]
    clearing = Account.objects.get(pk=internal_account_id(InternalAccount.INTERBANK_CLEARING))
    assert clearing.balance == Decimal("100.00")
    assert transfer.settlement == Institution.Settlement.BATCH and transfer.process_date


def test_immediate_institutions_up_to_their_cap(member_user, payee):
    from dataclasses import replace

    fast = Institution.objects.get(code="0010")
    fast.immediate_max_amount = Decimal("50.00")
    fast.save()
    deposit(savings(member_user), "500.00")
    small = interbank_transfer(
        order=order(member_user, "50"), payee=replace(payee, institution=fast)
    )
    big = interbank_transfer(
        order=order(member_user, "50.01"), payee=replace(payee, institution=fast)
    )
    assert small.settlement == Institution.Settlement.IMMEDIATE
    assert big.settlement == Institution.Settlement.BATCH


def test_interbank_to_the_cooperative_itself_is_refused(member_user, payee):
    from dataclasses import replace

    own = Institution.objects.get(is_self=True)
    with pytest.raises(TransferError, match="otra institución"):
        interbank_transfer(order=order(member_user, "10"), payee=replace(payee, institution=own))


def test_limits_count_what_was_already_sent(member_user, outsider):
    MemberLimit.objects.create(
        member=member_user.customer,
        category=LimitCategory.MEMBER,
        daily=Decimal("100"),
        weekly=Decimal("300"),
        monthly=Decimal("1000"),
    )
    member_transfer(order=order(member_user, "60"), destination=savings(outsider))
    with pytest.raises(
        TransferError, match=re.escape("cupo diario de $ 100.00: te quedan $ 40.00")
    ):
        member_transfer(order=order(member_user, "41"), destination=savings(outsider))
    member_transfer(order=order(member_user, "40"), destination=savings(outsider))
    assert used_of(member_user.customer, LimitCategory.MEMBER)[0] == Decimal("100")
    # Own transfers are not limited.
    shares = AccountFactory(owner=member_user.customer, product=Product.SHARES)
    own_transfer(order=order(member_user, "50"), destination=shares)


def test_weekly_limit_counts_earlier_days(member_user, outsider):
    MemberLimit.objects.create(
        member=member_user.customer,
        category=LimitCategory.MEMBER,
        daily=Decimal("100"),
        weekly=Decimal("150"),
        monthly=Decimal("1000"),
    )
    first = member_transfer(order=order(member_user, "100"), destination=savings(outsider))
    from django.utils import timezone

    today = timezone.localtime()
    if today.weekday() == 0:
        pytest.skip("on a Monday there is no earlier day this week")
    Transfer.objects.filter(pk=first.pk).update(created_at=first.created_at - timedelta(days=1))
    with pytest.raises(TransferError, match="cupo semanal"):
        member_transfer(order=order(member_user, "60"), destination=savings(outsider))


def test_funds_declaration_above_the_threshold(member_user, outsider, settings):
    settings.FUNDS_DECLARATION_THRESHOLD = Decimal("100")
    member_transfer(order=order(member_user, "80"), destination=savings(outsider))
    with pytest.raises(TransferError, match="origen y el destino de los fondos") as error:
        member_transfer(order=order(member_user, "30"), destination=savings(outsider))
    assert error.value.field == "funds_origin"
    member_transfer(
        order=order(member_user, "30", funds_origin="Ahorros", funds_purpose="Pago de deuda"),
        destination=savings(outsider),
    )


@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(1, 9000)), min_size=1, max_size=12))
def test_random_transfers_keep_the_ledger_and_never_pass_a_limit(member_user, outsider, steps):
    MemberLimit.objects.update_or_create(
        member=member_user.customer,
        category=LimitCategory.MEMBER,
        defaults={"daily": Decimal("150"), "weekly": Decimal("300"), "monthly": Decimal("600")},
    )
    shares = Account.objects.filter(owner=member_user.customer, product=Product.SHARES).first()
    shares = shares or AccountFactory(owner=member_user.customer, product=Product.SHARES)
    for kind, cents in steps:
        amount = Decimal(cents) / 100
        try:
            if kind == 0:
                own_transfer(order=order(member_user, amount), destination=shares)
            elif kind == 1:
                member_transfer(order=order(member_user, amount), destination=savings(outsider))
            else:
                own_transfer(
                    order=order(member_user, amount, origin=shares),
                    destination=savings(member_user),
                )
        except TransferError:
            pass
        assert used_of(member_user.customer, LimitCategory.MEMBER)[0] <= Decimal("150")
    assert ledger_problems() == []
    for account in Account.objects.filter(internal_code__isnull=True):
        assert account.balance >= 0
