from datetime import datetime, time
from decimal import ROUND_HALF_UP, Decimal
from itertools import count

import pytest
from django.utils import timezone

from accounts.models import Account, Channel, Entry, InternalAccount, Product, TransactionKind
from accounts.services.ledger import Leg, internal_account_id, transaction_post
from identity.models import IdType, User
from transfers.models import AccountType, Institution, Transfer
from transfers.services import calendar

_numbers = count(1)
BATCH_BANK = "0032"  # BANCO INTERNACIONAL: settles in cycles
IMMEDIATE_BANK = "0010"  # BANCO PICHINCHA: immediate up to $470


@pytest.fixture(autouse=True)
def _central_bank_in_tmp(settings, tmp_path):
    """The simulated central bank keeps its files under VAR_DIR/spi: one per test."""
    settings.VAR_DIR = tmp_path / "var"
    settings.SPI_GATEWAY = "transfers.services.gateway.SimulatedGateway"


@pytest.fixture
def central_bank():
    from transfers.services.gateway import SimulatedGateway

    return SimulatedGateway()


def cycle_moment(hour: int = 9) -> datetime:
    """A cycle time every transfer ordered up to now is due at: the next business day."""
    day = calendar.next_business_day(timezone.localdate())
    return timezone.make_aware(datetime.combine(day, time(hour)))


def origin_of(member_user_or_account) -> Account:
    if isinstance(member_user_or_account, Account):
        return member_user_or_account
    member = (
        member_user_or_account.customer
        if isinstance(member_user_or_account, User)
        else member_user_or_account
    )
    return Account.objects.filter(owner=member, product=Product.SAVINGS).order_by("pk").first()


def _interbank_pending(
    member_user_or_account,
    amount,
    account_number: str | None = None,
    institution_code: str = BATCH_BANK,
    *,
    name: str = "María José Ñáñez Pérez",
    identification: str = "1710034065",
    process_date=None,
    user=None,
) -> Transfer:
    """A PENDIENTE interbank transfer as the ordering side leaves it (the contract in the
    settlement brief): one INTERBANK_TRANSFER posting with amount, fee and VAT legs, and the
    Transfer row with the payee snapshot."""
    origin = origin_of(member_user_or_account)
    if user is None and isinstance(member_user_or_account, User):
        user = member_user_or_account
    from django.conf import settings

    institution = Institution.objects.get(code=institution_code)
    amount = Decimal(amount)
    fee = settings.INTERBANK_FEE
    vat = (fee * settings.VAT_RATE).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    cap = institution.immediate_max_amount
    settlement = (
        Institution.Settlement.IMMEDIATE
        if institution.settlement == Institution.Settlement.IMMEDIATE
        and (cap is None or amount <= cap)
        else Institution.Settlement.BATCH
    )
    account_number = account_number or f"22{next(_numbers):08d}"
    n = next(_numbers)
    principal = "ND TRANSFERENCIA PAGO DIRECTO"
    txn = transaction_post(
        kind=TransactionKind.INTERBANK_TRANSFER,
        legs=[
            Leg(origin.pk, -amount, principal),
            Leg(internal_account_id(InternalAccount.INTERBANK_CLEARING), amount, principal),
            Leg(origin.pk, -fee, "COMISIÓN TRANSFERENCIA PAGO DIRECTO", Entry.Role.FEE),
            Leg(
                internal_account_id(InternalAccount.FEE_INCOME),
                fee,
                "COMISIÓN TRANSFERENCIA PAGO DIRECTO",
                Entry.Role.FEE,
            ),
            Leg(origin.pk, -vat, "IVA TRANSFERENCIA PAGO DIRECTO", Entry.Role.VAT),
            Leg(
                internal_account_id(InternalAccount.VAT_PAYABLE),
                vat,
                "IVA TRANSFERENCIA PAGO DIRECTO",
                Entry.Role.VAT,
            ),
        ],
        idempotency_key=f"test-interbank-{n}",
        channel=Channel.WEB,
        initiated_by=user,
    )
    return Transfer.objects.create(
        kind=Transfer.Kind.INTERBANK,
        status=Transfer.Status.PENDING,
        member=origin.owner,
        initiated_by=user,
        channel=Channel.WEB,
        origin=origin,
        institution=institution,
        to_account_number=account_number,
        to_account_type=AccountType.SAVINGS,
        to_name=name,
        to_id_type=IdType.CEDULA,
        to_identification=identification,
        amount=amount,
        fee=fee,
        vat=vat,
        memo="Prueba",
        idempotency_key=f"test-interbank-transfer-{n}",
        transaction=txn,
        settlement=settlement,
        process_date=process_date or calendar.process_date_for(),
    )


@pytest.fixture
def interbank_pending(db):
    """``interbank_pending(member_user_or_account, amount, account_number=...,
    institution_code=...)``: a PENDIENTE interbank transfer, posted as the ordering side does."""
    return _interbank_pending


def balance_of(code_or_account) -> Decimal:
    if isinstance(code_or_account, Account):
        return Account.objects.get(pk=code_or_account.pk).balance
    return Account.objects.get(pk=internal_account_id(code_or_account)).balance
