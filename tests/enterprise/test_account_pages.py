"""A company user's account pages: only the granted accounts, and what waiting orders hold."""

from decimal import Decimal

import pytest
from django.test import Client

from enterprise.models import CompanyUser, Operation
from enterprise.services.approvals import order_create
from enterprise.services.operations import TRANSFER_MEMBER
from tests.auth import sign_in
from tests.enterprise.test_views import _pending_order
from tests.factories import AccountFactory, deposit
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


def test_the_account_page_lists_what_waiting_orders_hold(company, payee_account):
    order = _pending_order(company, payee_account, "125.00", "Arriendo")
    client = Client()
    sign_in(client, company.maker.username)
    page = client.get(f"/cuentas/{company.account.number}/movimientos/").content.decode()
    assert "Valores retenidos" in page
    assert f'href="/empresa/ordenes/{order.pk}/"' in page and "$ 125.00" in page
    assert "Saldo disponible" in page and "$ 9,875.00" in page


def test_a_user_sees_only_the_granted_accounts(company):
    other = AccountFactory(owner=company.member)
    profile = CompanyUser.objects.get(user=company.maker)
    profile.accounts.set([company.account])
    client = Client()
    sign_in(client, company.maker.username)
    position = client.get("/").content.decode()
    assert company.account.number in position
    assert other.number not in position
    assert client.get(f"/cuentas/{other.number}/movimientos/").status_code == 404
    assert client.get(f"/cuentas/{company.account.number}/movimientos/").status_code == 200
    statement = client.get("/estado-de-cuenta/").content.decode()
    assert other.number not in statement

    profile.services = ["TRANSF_COOPROGRESO"]
    profile.save(update_fields=["services"])
    assert client.get("/").status_code == 403


def test_menus_follow_the_services_and_order_details_need_one(company, payee_account):
    order = _pending_order(company, payee_account, "20.00")
    profile = CompanyUser.objects.get(user=company.approver_a)
    client = Client()
    sign_in(client, company.approver_a.username)
    menu = client.get("/empresa/autorizar/").content.decode()
    assert "Posición consolidada" in menu and "Administrar beneficiarios" not in menu
    assert client.get(f"/empresa/ordenes/{order.pk}/").status_code == 200

    profile.services = ["AUTORIZAR"]
    profile.save(update_fields=["services"])
    menu = client.get("/empresa/autorizar/").content.decode()
    assert "Posición consolidada" not in menu and "Estado de cuenta" not in menu
    assert "Consultas" not in menu
    assert client.get("/estado-de-cuenta/").status_code == 403

    profile.services = ["POSICION"]
    profile.save(update_fields=["services"])
    assert client.get(f"/empresa/ordenes/{order.pk}/").status_code == 403


def test_receipts_of_accounts_not_granted_are_a_404(company, payee_account):
    other = AccountFactory(owner=company.member)
    deposit(other, "500.00")
    order = order_create(
        user=company.admin,
        operation=Operation.TRANSFER,
        kind=TRANSFER_MEMBER,
        amount=Decimal("30.00"),
        charges=Decimal("0"),
        debit_account=other,
        payload={"origin": other.pk, "amount": "30.00", "destination": payee_account.pk},
    )
    transfer = Transfer.objects.get(pk=order.result["transfer"])
    receipt_number = transfer.transaction.receipt_number
    profile = CompanyUser.objects.get(user=company.maker)
    client = Client()
    sign_in(client, company.maker.username)
    assert client.get(f"/transferencias/{transfer.pk}/").status_code == 200
    assert client.get(f"/comprobantes/{receipt_number}/").status_code == 200

    profile.accounts.set([company.account])
    assert client.get(f"/transferencias/{transfer.pk}/").status_code == 404
    assert client.get(f"/comprobantes/{receipt_number}/").status_code == 404
