"""Figure: an approved 10,000-row internal bulk payment, executed.

Setup (in bulk, not timed): a company with a funded account, an ingresador and an autorizador,
10,000 member accounts of 200 members, a saved batch paying each of them, and its pending
approval order (``payroll.services.batches.batch_pay``). Timed: the autorizador's signature
(``order_approve``: the single debit of the company) and
``payroll.services.execution.rows_pay`` (the rows paid from the clearing account in chunks),
i.e. from the approval to the last row PAGADO.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from decimal import Decimal

ROWS = 10_000
MEMBERS = 200


@dataclass
class PayrollData:
    order_id: int
    approver_id: int
    total: Decimal
    setup_s: float


def build(*, tag: str) -> PayrollData:
    from django.db import transaction

    from accounts.models import Account, Channel, InternalAccount, Product, TransactionKind
    from accounts.services.ledger import Leg, internal_account_id, transaction_post
    from enterprise.models import Company, CompanyRole, CompanyUser, SignatureLevel
    from identity.models import IdType, Member, User
    from payroll.models import PayrollBatch, PayrollRow
    from payroll.services.batches import batch_pay

    started = time.monotonic()
    rng = random.Random(20261125)
    with transaction.atomic():
        company_member = Member.objects.create(
            kind=Member.Kind.COMPANY,
            id_type=IdType.RUC,
            identification=f"PB{tag}C",
            first_names="NÓMINAS BENCH S.A.",
        )
        company = Company.objects.create(member=company_member, name="NÓMINAS BENCH S.A.")
        level = SignatureLevel.objects.create(company=company, position=1, letter="A")
        people = {}
        for role in (CompanyRole.MAKER, CompanyRole.APPROVER):
            user = User.objects.create_user(
                f"pb{tag}{role.lower()}"[:30], password=None, customer=company_member
            )
            CompanyUser.objects.create(
                user=user,
                company=company,
                role=role,
                signature_level=level if role == CompanyRole.APPROVER else None,
            )
            people[role] = user
        members = Member.objects.bulk_create(
            Member(
                id_type=IdType.CEDULA,
                identification=f"PB{tag}{i:04d}",
                first_names=f"EMPLEADO {i}",
                last_names="BENCH",
            )
            for i in range(MEMBERS)
        )
        accounts = Account.objects.bulk_create(
            Account(number=f"78{tag}{i:05d}", product=Product.SAVINGS, owner=members[i % MEMBERS])
            for i in range(ROWS)
        )
        # Small amounts: 10,000 rows stay within the default daily ceiling for companies.
        amounts = [Decimal(rng.randint(100, 1_999)) / 100 for _ in range(ROWS)]
        total = sum(amounts, Decimal("0.00"))
        company_account = Account.objects.create(
            number=f"79{tag}00001", product=Product.CHECKING, owner=company_member
        )
    transaction_post(
        kind=TransactionKind.DEPOSIT,
        legs=[
            Leg(company_account.pk, total + 1000, "DEPÓSITO"),
            Leg(internal_account_id(InternalAccount.CASH), -(total + 1000), "DEPÓSITO"),
        ],
        idempotency_key=f"bench-payroll-funding-{tag}",
        channel=Channel.BRANCH,
    )
    batch = PayrollBatch.objects.create(
        company=company,
        name="Nómina bench",
        status=PayrollBatch.Status.SAVED,
        created_by=people[CompanyRole.MAKER],
        rows_count=ROWS,
        total=total,
    )
    PayrollRow.objects.bulk_create(
        (
            PayrollRow(
                batch=batch,
                line=i + 2,
                identification=account.owner.identification,
                id_type="CEDULA",
                name=account.owner.first_names,
                account_number=account.number,
                account_type="AHORROS",
                amount=amount,
                account=account,
            )
            for i, (account, amount) in enumerate(zip(accounts, amounts, strict=True))
        ),
        batch_size=2000,
    )
    order = batch_pay(
        user=people[CompanyRole.MAKER],
        batch=batch,
        row_ids=None,
        debit_account=company_account,
        memo="NOMINA BENCH",
        key=f"bench-{tag}",
    )
    return PayrollData(order.pk, people[CompanyRole.APPROVER].pk, total, time.monotonic() - started)


def run(data: PayrollData) -> tuple[float, dict]:
    from enterprise.services.approvals import order_approve
    from identity.models import User
    from payroll.services.execution import rows_pay

    approver = User.objects.get(pk=data.approver_id)
    started = time.monotonic()
    order = order_approve(user=approver, order_id=data.order_id)
    counts = rows_pay(order_id=order.pk)
    return time.monotonic() - started, {"status": order.status, **counts}


def check(data: PayrollData) -> str:
    from django.db.models import Sum

    from accounts.models import Account, InternalAccount
    from accounts.services.ledger import internal_account_id
    from payroll.models import PayrollRow

    rows = PayrollRow.objects.filter(order_id=data.order_id)
    paid = rows.filter(payment=PayrollRow.Payment.PAID)
    credited = paid.aggregate(total=Sum("amount"))["total"]
    clearing = Account.objects.get(pk=internal_account_id(InternalAccount.PAYROLL_CLEARING))
    problems = []
    if paid.count() != ROWS:
        problems.append(f"{paid.count()} of {ROWS} rows paid")
    if credited != data.total:
        problems.append(f"credited {credited} of {data.total}")
    if clearing.balance != 0:
        problems.append(f"clearing holds {clearing.balance}")
    return "; ".join(problems) or f"{ROWS:,} rows paid once, {data.total:,} credited, clearing 0.00"
