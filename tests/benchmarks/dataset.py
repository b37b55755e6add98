"""Benchmark data, written through the project's own models and posting service.

Call ``build`` after ``django.setup()`` with the bench environment.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

STATEMENT_ROWS = 1000
DESCRIPTIONS = [
    "DEPÓSITO AHORROS",
    "RETIRO CAJERO AUTOMÁTICO BANRED",
    "TRANSFERENCIA RECIBIDA DE MARÍA FERNANDA LÓPEZ",
    "PAGO SERVICIO CNEL ELECTRICIDAD",
    "TRANSFERENCIA A 4101******23 JUAN CARLOS PÉREZ",
    "COMPRA POS SUPERMAXI QUITO NORTE",
    "ACREDITACIÓN NÓMINA",
    "COMISIÓN TRANSFERENCIA INTERBANCARIA",
]


@dataclass
class Dataset:
    tag: str
    ledger_account_ids: list[int]
    statement_account_id: int
    statement_month: object  # date: first day of the month with STATEMENT_ROWS entries
    user_id: int
    password: str
    username: str


def _month_before(first):
    return (first - timedelta(days=1)).replace(day=1)


def build(*, tag: str, ledger_accounts: int = 10) -> Dataset:
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Account, Channel, InternalAccount, Product, TransactionKind
    from accounts.services.ledger import Leg, internal_account_id, transaction_post
    from identity.models import IdType, Member, SignIn, User

    cash = internal_account_id(InternalAccount.CASH)
    keys = iter(range(1, 10**9))
    rng = random.Random(20260101)

    def member(i: int, first: str, last: str) -> Member:
        return Member.objects.create(
            id_type=IdType.CEDULA,
            identification=f"9{tag}{i:03d}",
            first_names=first,
            last_names=last,
            address="Av. 10 de Agosto N24-15, Quito",
            email=f"bench{tag}{i}@example.com",
        )

    def account(owner: Member, i: int, product=Product.SAVINGS) -> Account:
        return Account.objects.create(number=f"77{tag}{i:04d}", product=product, owner=owner)

    def post(kind, acc_id: int, amount: Decimal, description: str, when=None):
        return transaction_post(
            kind=kind,
            legs=[Leg(acc_id, amount, description), Leg(cash, -amount, description)],
            idempotency_key=f"bench-setup-{tag}-{next(keys)}",
            channel=Channel.BRANCH,
            posted_at=when,
        )

    # 1. The member whose position page is served and whose account gets the long statement.
    owner = member(900, "MARÍA JOSÉ", "BENCH ANDRADE")
    password = secrets.token_urlsafe(16)
    username = f"bench{tag}"
    user = User.objects.create_user(username, password=password, customer=owner)
    statement_acc = account(owner, 900)
    others = [
        account(owner, 901),
        account(owner, 902, Product.SHARES),
        account(owner, 903, Product.CHECKING),
        account(owner, 904, Product.PROGRESAR),
    ]
    for i in range(2):
        SignIn.objects.create(user=user, ip="127.0.0.1", device=f"Firefox en Linux {i}")

    # 2. Its 1,000 movements of last month, posted first and in date order: the service refuses a
    # back-dated movement older than the last one on any account it touches (the cash account
    # takes part in every posting here).
    tz = timezone.get_current_timezone()
    month = _month_before(timezone.localdate().replace(day=1))
    next_month = (month + timedelta(days=32)).replace(day=1)
    start = timezone.make_aware(datetime.combine(month, time.min), tz)
    span = timezone.make_aware(datetime.combine(next_month, time.min), tz) - start
    post(
        TransactionKind.DEPOSIT,
        statement_acc.pk,
        Decimal("300000.00"),
        "DEPÓSITO AHORROS",
        when=start - timedelta(days=5),
    )
    # One database transaction around the lot: the service joins it in savepoints.
    with transaction.atomic():
        for i in range(STATEMENT_ROWS):
            amount = Decimal(rng.randint(100, 50000)).scaleb(-2)
            credit = i % 2 == 0
            post(
                TransactionKind.DEPOSIT if credit else TransactionKind.WITHDRAWAL,
                statement_acc.pk,
                amount if credit else -amount,
                DESCRIPTIONS[rng.randrange(len(DESCRIPTIONS))],
                when=start + span * (i + 0.5) / STATEMENT_ROWS,
            )
    # 3. Then, dated now, the accounts the two ledger loops move money among, each well funded.
    ledger_ids = []
    for i in range(ledger_accounts):
        acc = account(member(i, f"SOCIO {i}", "CARGA LEDGER"), i)
        post(TransactionKind.DEPOSIT, acc.pk, Decimal("1000000.00"), "DEPÓSITO AHORROS")
        ledger_ids.append(acc.pk)

    for i, acc in enumerate(others):
        post(TransactionKind.DEPOSIT, acc.pk, Decimal(1500 + 250 * i), "DEPÓSITO AHORROS")

    return Dataset(
        tag=tag,
        ledger_account_ids=ledger_ids,
        statement_account_id=statement_acc.pk,
        statement_month=month,
        user_id=user.pk,
        password=password,
        username=username,
    )


def session_cookie(user_id: int) -> tuple[str, str]:
    """A signed-in session for the user, made by Django's own login (so the sign-in signal runs
    and the session holds what a real one does)."""
    from django.conf import settings
    from django.test import Client

    from identity.models import User

    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
