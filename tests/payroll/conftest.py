from decimal import Decimal

import pytest

from payroll.models import PayrollBatch, PayrollRow
from tests.factories import AccountFactory, deposit
from transfers.models import Institution


@pytest.fixture
def batch(company):
    """A saved batch: three members of the cooperative and one account of another bank."""
    batch = PayrollBatch.objects.create(
        company=company,
        name="Nómina noviembre",
        status=PayrollBatch.Status.SAVED,
        created_by=company.maker,
    )
    bank = Institution.objects.filter(active=True, is_self=False).order_by("code").first()
    for line, amount in enumerate(("450.00", "380.50", "99.99"), start=2):
        account = AccountFactory()
        deposit(account, "1.00")
        PayrollRow.objects.create(
            batch=batch,
            line=line,
            identification=account.owner.identification,
            id_type="CEDULA",
            name=account.owner.full_name.upper(),
            email=f"fila{line}@example.com",
            account_number=account.number,
            account_type="AHORROS",
            amount=Decimal(amount),
            account=account,
        )
    PayrollRow.objects.create(
        batch=batch,
        line=5,
        identification="1710034065",
        id_type="CEDULA",
        name="FANNY ONTANEDA",
        account_number="2200123456",
        account_type="AHORROS",
        amount=Decimal("200.00"),
        institution=bank,
        interbank=True,
    )
    return batch
