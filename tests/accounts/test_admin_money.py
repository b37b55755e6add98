"""The back office shows money as the portal does, "$ 16,721.07" (Django's own es-EC display of
a decimal is "16721,07"), and names what it lists in Spanish."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Account, Entry
from support.models import ComplaintProduct
from support.services import complaint_submit
from tests.factories import AccountFactory, UserFactory, deposit
from transfers.models import LimitCategory, MemberLimit

pytestmark = pytest.mark.django_db

SHOWN = "$ 16,721.07"
DJANGOS = "16721,07"


@pytest.fixture
def account():
    account = AccountFactory(number="410100000099")
    deposit(account, "16721.07")
    return account


def page(admin_client, url: str) -> str:
    response = admin_client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_accounts_list_and_show_balances_as_money(admin_client, account):
    listed = page(admin_client, reverse("admin:accounts_account_changelist"))
    assert SHOWN in listed and DJANGOS not in listed
    shown = page(admin_client, reverse("admin:accounts_account_change", args=[account.pk]))
    assert SHOWN in shown and DJANGOS not in shown
    # Still never edited by hand: money moves only through the ledger.
    assert 'name="balance"' not in shown and 'name="available"' not in shown


def test_an_account_saved_in_the_back_office_keeps_its_balance(admin_client, account):
    url = reverse("admin:accounts_account_change", args=[account.pk])
    admin_client.post(url, {"status": account.status, "balance": "1.00", "available": "1.00"})
    account.refresh_from_db()
    assert account.balance == Decimal("16721.07") == account.available


def test_movements_and_transactions_show_money(admin_client, account):
    entry = Entry.objects.get(account=account)
    listed = page(admin_client, reverse("admin:accounts_entry_changelist"))
    assert SHOWN in listed and DJANGOS not in listed
    shown = page(admin_client, reverse("admin:accounts_entry_change", args=[entry.pk]))
    assert SHOWN in shown and DJANGOS not in shown
    txn = page(
        admin_client, reverse("admin:accounts_transaction_change", args=[entry.transaction_id])
    )
    assert SHOWN in txn and f"-{SHOWN}" in txn and DJANGOS not in txn


def test_member_limits_show_money_and_empty_ones_a_dash(admin_client):
    member = UserFactory().customer
    MemberLimit.objects.create(
        member=member, category=LimitCategory.MEMBER, daily=Decimal("16721.07")
    )
    listed = page(admin_client, reverse("admin:transfers_memberlimit_changelist"))
    assert SHOWN in listed and DJANGOS not in listed
    assert '<td class="field-weekly_shown">-</td>' in listed  # the cooperative's maximum


def test_complaints_show_the_claimed_amount_as_money(admin_client, member_user):
    complaint = complaint_submit(
        user=member_user,
        token="m" * 32,
        product=ComplaintProduct.ONLINE_BANKING,
        names="ANA PÉREZ",
        identification="1714307103",
        phone="0991234567",
        description="Débito no reconocido.",
        claimed_amount=Decimal("16721.07"),
        data_consent=True,
    )
    shown = page(admin_client, reverse("admin:support_complaint_change", args=[complaint.pk]))
    assert SHOWN in shown and DJANGOS not in shown


def test_the_back_office_names_the_downloads_in_spanish(admin_client):
    index = page(admin_client, reverse("admin:index"))
    assert "Descargas" in index and "Export jobs" not in index
    assert Account._meta.get_field("balance").verbose_name == "saldo contable"


def test_the_counter_operation_page_shows_the_balances_as_money(admin_client, account):
    shown = page(admin_client, reverse("admin:accounts_account_operation", args=[account.pk]))
    assert f"Saldo contable {SHOWN}" in shown and f"Disponible {SHOWN}" in shown
    assert DJANGOS not in shown
