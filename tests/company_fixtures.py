"""Fixtures of a company with its users, levels and bands (enterprise and payroll tests)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from enterprise.models import (
    ApprovalBand,
    Company,
    CompanyRole,
    CompanyUser,
    Operation,
    SignatureLevel,
)
from identity.models import Member
from tests.factories import AccountFactory, MemberFactory, UserFactory, deposit


@pytest.fixture
def company(db):
    member = MemberFactory(kind=Member.Kind.COMPANY, identification="1790085783001")
    company = Company.objects.create(member=member, name="COMERCIAL ANDINA S.A.")
    account = AccountFactory(owner=member)
    deposit(account, "10000.00")
    levels = {
        letter: SignatureLevel.objects.create(company=company, position=i, letter=letter)
        for i, letter in enumerate("AB", start=1)
    }
    ApprovalBand.objects.create(
        company=company, operation=Operation.TRANSFER, up_to=Decimal("1000"), signatures=["B"]
    )
    ApprovalBand.objects.create(
        company=company, operation=Operation.TRANSFER, up_to=None, signatures=["A", "B"]
    )

    def person(role, level=None):
        user = UserFactory(customer=member, email=f"{role.lower()}{level or ''}@andina.example")
        CompanyUser.objects.create(
            user=user, company=company, role=role, signature_level=levels.get(level)
        )
        return user

    company.account = account
    company.admin = person(CompanyRole.ADMIN)
    company.maker = person(CompanyRole.MAKER)
    company.approver_a = person(CompanyRole.APPROVER, "A")
    company.approver_b = person(CompanyRole.APPROVER, "B")
    company.approver_b2 = person(CompanyRole.APPROVER, "B")
    return company


@pytest.fixture
def payee_account(db):
    account = AccountFactory()
    deposit(account, "1.00")
    return account


@pytest.fixture
def trusted_payee(company, payee_account):
    """``payee_account`` saved by the company long ago and approved: large payments to it are
    not capped by the cooling period."""
    from django.utils import timezone

    from transfers.models import Beneficiary

    long_ago = timezone.now() - timedelta(days=30)
    return Beneficiary.objects.create(
        owner=company.member,
        kind=Beneficiary.Kind.MEMBER,
        account=payee_account,
        account_number=payee_account.number,
        holder_name=payee_account.owner.full_name,
        approved_at=long_ago,
    )


@pytest.fixture
def payment_bands(company):
    """The company's "Pagos de tarjetas y servicios" bands: up to $ 50 level A signs alone,
    above it A and B."""
    return [
        ApprovalBand.objects.create(
            company=company, operation=Operation.PAYMENT, up_to=Decimal("50"), signatures=["A"]
        ),
        ApprovalBand.objects.create(
            company=company, operation=Operation.PAYMENT, up_to=None, signatures=["A", "B"]
        ),
    ]
