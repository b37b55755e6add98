"""The enterprise transfer journey through the approval engine, by HTTP."""

import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import Account
from enterprise.models import ApprovalOrder
from tests.auth import code_sent, sign_in
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


def with_code(client, url, data):
    dialog = client.post(url, data).content.decode()
    assert 'name="otp_digit"' in dialog, dialog[:500]
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    return client.post(
        url, {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code_sent()}
    )


def transfer_data(company, destination, amount="48.00"):
    return {
        "account_number": destination.number,
        "origin": company.account.pk,
        "amount": amount,
        "memo": "Pago proveedor",
        "key": str(uuid.uuid4()),
    }


def test_an_ingresadors_transfer_waits_and_an_autorizador_signs_it(company, payee_account):
    maker = Client()
    sign_in(maker, company.maker.username)
    response = with_code(
        maker, "/transferencias/cooprogreso/confirmar/", transfer_data(company, payee_account)
    )
    order = ApprovalOrder.objects.get()
    assert response["Location"] == f"/empresa/ordenes/{order.pk}/"
    assert order.status == ApprovalOrder.Status.PENDING and not Transfer.objects.exists()
    assert Account.objects.get(pk=company.account.pk).available == Decimal("9952.00")
    assert maker.get("/empresa/autorizar/").status_code == 403

    approver = Client()
    sign_in(approver, company.approver_b.username)
    listing = approver.get("/empresa/autorizar/").content.decode()
    assert "Pago proveedor" in listing and "$ 48.00" in listing
    page = approver.get(f"/empresa/ordenes/{order.pk}/autorizar/").content.decode()
    assert "¿Estás seguro que deseas autorizar la transferencia, por un valor de $48.00?" in page
    response = with_code(approver, f"/empresa/ordenes/{order.pk}/autorizar/", {})
    assert response["Location"] == f"/empresa/ordenes/{order.pk}/"
    order.refresh_from_db()
    assert order.status == ApprovalOrder.Status.EXECUTED
    detail = approver.get(f"/empresa/ordenes/{order.pk}/").content.decode()
    assert "Aprobada" in detail and "Ver comprobante" in detail
    account = Account.objects.get(pk=company.account.pk)
    assert (account.balance, account.available) == (Decimal("9952.00"), Decimal("9952.00"))
    # The autorizador has no transfer service of their own.
    assert approver.get("/transferencias/cooprogreso/").status_code == 403


def test_an_administrators_transfer_executes_after_its_code(company, payee_account):
    admin = Client()
    sign_in(admin, company.admin.username)
    response = with_code(
        admin, "/transferencias/cooprogreso/confirmar/", transfer_data(company, payee_account)
    )
    transfer = Transfer.objects.get()
    assert response["Location"] == f"/transferencias/{transfer.pk}/"
    assert ApprovalOrder.objects.get().status == ApprovalOrder.Status.EXECUTED


def test_reject_with_reason_and_isolation(company, payee_account):
    maker = Client()
    sign_in(maker, company.maker.username)
    with_code(
        maker, "/transferencias/cooprogreso/confirmar/", transfer_data(company, payee_account)
    )
    order = ApprovalOrder.objects.get()
    approver = Client()
    sign_in(approver, company.approver_a.username)
    missing = approver.post(f"/empresa/ordenes/{order.pk}/rechazar/", {})
    assert "Ingresa el motivo del rechazo." in missing.content.decode()
    with_code(approver, f"/empresa/ordenes/{order.pk}/rechazar/", {"reason": "Factura duplicada"})
    order.refresh_from_db()
    assert order.status == ApprovalOrder.Status.REJECTED
    assert Account.objects.get(pk=company.account.pk).available == Decimal("10000.00")

    outsider = Client()
    from tests.factories import UserFactory

    member = UserFactory()
    sign_in(outsider, member.username)
    assert outsider.get(f"/empresa/ordenes/{order.pk}/").status_code == 403
    assert outsider.get("/empresa/autorizar/").status_code == 403


def test_the_ingresador_withdraws_an_unsigned_order(company, payee_account):
    maker = Client()
    sign_in(maker, company.maker.username)
    with_code(
        maker, "/transferencias/cooprogreso/confirmar/", transfer_data(company, payee_account)
    )
    order = ApprovalOrder.objects.get()
    assert "Retirar orden" in maker.get(f"/empresa/ordenes/{order.pk}/").content.decode()
    approver = Client()
    sign_in(approver, company.approver_a.username)
    approver.post(f"/empresa/ordenes/{order.pk}/retirar/")
    order.refresh_from_db()
    assert order.status == ApprovalOrder.Status.PENDING  # only its author may
    response = maker.post(f"/empresa/ordenes/{order.pk}/retirar/")
    assert "Orden retirada" in maker.get(response["Location"]).content.decode()
    order.refresh_from_db()
    assert order.status == ApprovalOrder.Status.WITHDRAWN
    assert Account.objects.get(pk=company.account.pk).available == Decimal("10000.00")


def test_expiry_runs_from_beat(company, payee_account):
    from datetime import timedelta

    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask

    from enterprise.tasks import orders_expire

    assert PeriodicTask.objects.filter(task="enterprise.tasks.orders_expire").exists()
    maker = Client()
    sign_in(maker, company.maker.username)
    with_code(
        maker, "/transferencias/cooprogreso/confirmar/", transfer_data(company, payee_account)
    )
    ApprovalOrder.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert orders_expire.delay().get() == 1
    assert ApprovalOrder.objects.get().status == ApprovalOrder.Status.EXPIRED
