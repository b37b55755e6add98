"""The enterprise transfer journey through the approval engine, by HTTP."""

import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import Account
from enterprise.models import (
    Approval,
    ApprovalOrder,
    CompanyRole,
    CompanyUser,
    Operation,
    SignatureLevel,
)
from enterprise.services.approvals import order_approve, order_create
from enterprise.services.operations import TRANSFER_MEMBER
from identity.models import Notification
from tests.auth import code_sent, sign_in
from tests.factories import AccountFactory, UserFactory, funded_member
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
    assert "¿Autorizas la transferencia de $ 48.00 a " in page
    assert f"(Cooprogreso, cuenta {payee_account.masked_number})?" in page
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


def _pending_order(company, destination, amount, concept="Proveedor"):
    return order_create(
        user=company.maker,
        operation=Operation.TRANSFER,
        kind=TRANSFER_MEMBER,
        amount=Decimal(amount),
        charges=Decimal("0"),
        debit_account=company.account,
        payload={"origin": company.account.pk, "amount": amount, "destination": destination.pk},
        concept=concept,
    )


def test_mass_authorization_signs_each_ticked_order_with_one_code(company, payee_account):
    small = _pending_order(company, payee_account, "40.00", "Luz")
    other = _pending_order(company, payee_account, "60.00", "Agua")
    big = _pending_order(company, payee_account, "2000.00", "Equipos")  # needs A + B
    untouched = _pending_order(company, payee_account, "10.00", "Internet")
    approver = Client()
    sign_in(approver, company.approver_b.username)

    assert (
        "Selecciona al menos una operación."
        in approver.post("/empresa/autorizar/", {}).content.decode()
    )
    response = approver.post("/empresa/autorizar/", {"orders": [small.pk, 999999]})
    assert "Alguna operación seleccionada ya no está pendiente." in response.content.decode()

    # A search narrows the list (concept, origin account or amount).
    page = approver.get("/empresa/autorizar/", {"q": "60.00"}).content.decode()
    assert "Agua" in page and "Luz" not in page

    response = with_code(approver, "/empresa/autorizar/", {"orders": [small.pk, other.pk, big.pk]})
    assert response["Location"] == "/empresa/autorizar/"
    statuses = dict(ApprovalOrder.objects.values_list("pk", "status"))
    assert statuses[small.pk] == statuses[other.pk] == ApprovalOrder.Status.EXECUTED
    assert statuses[big.pk] == statuses[untouched.pk] == ApprovalOrder.Status.PENDING
    assert Transfer.objects.count() == 2
    page = approver.get("/empresa/autorizar/").content.decode()
    assert "Autorización masiva: 2 órdenes ejecutadas; 1 con tu firma registrada" in page

    # The code is bound to the ticked orders: the same code for another selection fails.
    dialog = approver.post("/empresa/autorizar/", {"orders": [untouched.pk]}).content.decode()
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    code = code_sent()
    signatures = Approval.objects.count()
    forged = approver.post(
        "/empresa/autorizar/",
        {"orders": [big.pk], "otp_step": "verify", "otp_challenge": challenge, "otp_code": code},
    ).content.decode()
    assert "El código no corresponde a esta operación." in forged
    assert Approval.objects.count() == signatures
    assert ApprovalOrder.objects.get(pk=untouched.pk).status == ApprovalOrder.Status.PENDING


def test_a_companys_own_account_transfer_is_an_order_confirmed_with_a_code(company):
    savings = AccountFactory(owner=company.member)
    maker = Client()
    sign_in(maker, company.maker.username)
    data = {
        "origin": company.account.pk,
        "destination": savings.pk,
        "amount": "500.00",
        "memo": "Fondo de caja",
        "key": str(uuid.uuid4()),
    }
    summary = maker.post("/transferencias/mis-cuentas/", data).content.decode()
    assert 'hx-post="/transferencias/mis-cuentas/confirmar/"' in summary
    # Without the code step nothing moves, even if the confirm is posted to the form page.
    maker.post("/transferencias/mis-cuentas/", {**data, "step": "confirm"})
    assert not ApprovalOrder.objects.exists() and not Transfer.objects.exists()

    response = with_code(maker, "/transferencias/mis-cuentas/confirmar/", data)
    order = ApprovalOrder.objects.get()
    assert response["Location"] == f"/empresa/ordenes/{order.pk}/"
    assert order.kind == "TRANSF_PROPIA" and order.status == ApprovalOrder.Status.PENDING
    # The same confirm again (double click, reload) registers nothing new.
    with_code(maker, "/transferencias/mis-cuentas/confirmar/", data)
    assert ApprovalOrder.objects.count() == 1

    order_approve(user=company.approver_b, order_id=order.pk)
    savings.refresh_from_db()
    assert savings.balance == Decimal("500.00")
    # A member's own transfer has no code step to reach.
    assert Client().get("/transferencias/mis-cuentas/confirmar/").status_code == 302


def test_a_member_never_reaches_the_company_confirm(company):
    member = Client()
    user = funded_member("10.00")
    member.force_login(user)
    assert member.post("/transferencias/mis-cuentas/confirmar/", {}).status_code == 404


def test_only_authorizers_whose_signature_counts_are_notified(company, payee_account):
    level_c = SignatureLevel.objects.create(company=company, position=3, letter="C")
    junior = UserFactory(customer=company.member, email="c@andina.example")
    CompanyUser.objects.create(
        user=junior, company=company, role=CompanyRole.APPROVER, signature_level=level_c
    )
    _pending_order(company, payee_account, "48.00")  # needs one B (or higher)
    notified = set(
        Notification.objects.filter(subject="Tienes una operación por autorizar").values_list(
            "recipient", flat=True
        )
    )
    assert notified == {"approverA@andina.example", "approverB@andina.example"}


def test_forged_posts_change_nothing(company, payee_account):
    """Another member's account as origin, and an amount changed after the code was sent."""
    maker = Client()
    sign_in(maker, company.maker.username)
    forged = transfer_data(company, payee_account)
    forged["origin"] = payee_account.pk  # not the company's
    page = maker.post("/transferencias/cooprogreso/confirmar/", forged).content.decode()
    assert "Elige una opción válida" in page

    data = transfer_data(company, payee_account, "48.00")
    dialog = maker.post("/transferencias/cooprogreso/confirmar/", data).content.decode()
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    page = maker.post(
        "/transferencias/cooprogreso/confirmar/",
        {
            **data,
            "amount": "49.00",
            "otp_step": "verify",
            "otp_challenge": challenge,
            "otp_code": code_sent(),
        },
    ).content.decode()
    assert "El código no corresponde a esta operación." in page
    assert not ApprovalOrder.objects.exists()
    assert Account.objects.get(pk=company.account.pk).available == Decimal("10000.00")


def test_the_transfers_page_links_only_what_the_login_may_open(client, company):
    """An ingresador has no "Personalización de cupos" (a company's limits are its signature
    levels): the page does not offer a link that ends in a refusal."""
    sign_in(client, company.maker.username)

    page = client.get("/transferencias/").content.decode()

    assert client.get("/transferencias/cupos/").status_code == 403
    assert 'data-testid="limits-link"' not in page
    assert "Administrar beneficiarios" in page
