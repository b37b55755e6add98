from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Account, Transaction
from identity.models import AuditEvent, User
from tests.factories import AccountFactory, deposit

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = User.objects.create_superuser("cajero", "cajero@example.com", "Clave$Segura2026")
    client.force_login(user)
    return user


def operate(client, account, **data):
    url = reverse("admin:accounts_account_operation", args=[account.pk])
    return client.post(url, {"idempotency_key": "form-1", **data}, follow=True)


def test_cash_deposit_from_the_admin_posts_and_is_audited(client, staff):
    account = AccountFactory()
    response = operate(
        client, account, operation="deposit", amount="150.00", reason="Depósito en ventanilla 3"
    )
    assert "DEPÓSITO AHORROS registrado" in response.content.decode()
    account.refresh_from_db()
    assert account.balance == Decimal("150.00")
    txn = Transaction.objects.get(entries__account=account)
    assert txn.reason == "Depósito en ventanilla 3" and txn.initiated_by == staff
    audit = AuditEvent.objects.get(action="ledger.deposit")
    assert audit.actor == staff and audit.reason == "Depósito en ventanilla 3"


def test_the_same_form_submitted_twice_posts_once(client, staff):
    account = AccountFactory()
    operate(client, account, operation="deposit", amount="10.00", reason="x")
    operate(client, account, operation="deposit", amount="10.00", reason="x")
    account.refresh_from_db()
    assert account.balance == Decimal("10.00")
    assert AuditEvent.objects.filter(action="ledger.deposit").count() == 1


def test_a_reason_is_mandatory(client, staff):
    account = AccountFactory()
    response = operate(client, account, operation="deposit", amount="10.00", reason="   ")
    assert "obligatorio" in response.content.decode()
    assert Account.objects.get(pk=account.pk).balance == 0


def test_a_withdrawal_beyond_the_balance_is_refused_with_a_message(client, staff):
    account = AccountFactory()
    deposit(account, "20.00")
    response = operate(client, account, operation="withdrawal", amount="25.00", reason="Retiro")
    assert "Fondos insuficientes" in response.content.decode()
    assert Account.objects.get(pk=account.pk).balance == Decimal("20.00")


def test_interest_capitalisation(client, staff):
    account = AccountFactory()
    operate(client, account, operation="interest", amount="1.23", reason="Intereses de octubre")
    entry = account.entries.get()
    assert entry.description == "CAPITALIZACIÓN DE INTERESES" and entry.amount == Decimal("1.23")


def test_members_cannot_reach_the_back_office(client, member_user):
    client.force_login(member_user)
    account = member_user.customer.accounts.get()
    response = client.post(
        reverse("admin:accounts_account_operation", args=[account.pk]),
        {"operation": "deposit", "amount": "1000", "reason": "x", "idempotency_key": "k"},
    )
    assert response.status_code == 302 and "/backoffice/login/" in response["Location"]
    assert Account.objects.get(pk=account.pk).balance == Decimal("500.00")


def test_an_admin_edit_never_writes_back_stale_balances(client, staff):
    from django.contrib.admin.sites import site

    from accounts.admin import AccountAdmin

    account = AccountFactory()
    deposit(account, "10.00")
    stale = Account.objects.get(pk=account.pk)  # read before a posting commits
    deposit(account, "5.00")
    admin = AccountAdmin(Account, site)
    form = type("Form", (), {"changed_data": ["status"]})()
    stale.status = Account.Status.INACTIVE
    admin.save_model(request=None, obj=stale, form=form, change=True)
    account.refresh_from_db()
    assert account.status == Account.Status.INACTIVE and account.balance == Decimal("15.00")


def test_saving_a_member_never_rolls_back_its_products_version(member_user):
    from identity.models import Member

    member = Member.objects.get(pk=member_user.customer.pk)  # holds the current version
    deposit(member_user.customer.accounts.get(), "1.00")  # bumps it
    bumped = Member.objects.get(pk=member.pk).products_version
    member.address = "Nueva dirección"
    member.save()
    saved = Member.objects.get(pk=member.pk)
    assert saved.address == "Nueva dirección" and saved.products_version == bumped


@pytest.mark.parametrize("typed", ["1_000", "1E2", "+5", "١٠٠", "１００"])
def test_backoffice_amounts_decimal_would_normalise_are_refused(typed):
    from accounts.admin import BackofficeOperationForm

    form = BackofficeOperationForm(
        {"operation": "deposit", "amount": typed, "reason": "Depósito", "idempotency_key": "k"}
    )
    assert not form.is_valid() and "amount" in form.errors
