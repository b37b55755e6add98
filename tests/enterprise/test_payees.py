"""Company payees: an ingresador's new payee waits for an authorizer; a newly approved one is
capped during the cooling period, when the order is registered and when it executes."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from enterprise.models import ApprovalOrder
from enterprise.services.approvals import order_approve
from enterprise.services.errors import ApprovalError
from enterprise.services.payees import beneficiary_approve, payee_check
from identity.models import AuditEvent
from tests.auth import sign_in
from tests.enterprise.test_views import with_code
from transfers.models import Beneficiary
from transfers.services.beneficiaries import beneficiary_member_save
from transfers.services.holders import holder_name_masked

pytestmark = pytest.mark.django_db


def _payee(company, account, user):
    return beneficiary_member_save(
        member=company.member, account_number=account.number, alias="Proveedor", user=user
    )


def test_an_ingresadors_payee_waits_for_an_authorizer(company, payee_account):
    payee = _payee(company, payee_account, company.maker)
    assert payee.approved_at is None
    maker = Client()
    sign_in(maker, company.maker.username)
    listing = maker.get("/beneficiarios/").content.decode()
    assert "Por aprobar" in listing
    form = maker.get("/transferencias/cooprogreso/").content.decode()
    assert f'value="{payee.pk}"' not in form  # not offered in the transfer form
    forged = maker.post(
        "/transferencias/cooprogreso/",
        {"beneficiary": payee.pk, "origin": company.account.pk, "amount": "10", "key": "x"},
    ).content.decode()
    assert "Elige una opción válida" in forged

    # The one who saved it cannot approve it; an ingresador cannot approve at all.
    with pytest.raises(ApprovalError, match="Tu rol no permite"):
        beneficiary_approve(user=company.maker, beneficiary_id=payee.pk)

    approver = Client()
    sign_in(approver, company.approver_b.username)
    page = approver.get("/empresa/autorizar/").content.decode()
    # The holder as the form showed it to the ingresador: masked.
    assert "Beneficiarios por aprobar" in page
    assert holder_name_masked(payee_account.owner.full_name) in page
    assert payee_account.owner.full_name not in page
    response = with_code(approver, f"/empresa/beneficiarios/{payee.pk}/aprobar/", {})
    assert response["Location"] == "/empresa/autorizar/"
    payee.refresh_from_db()
    assert payee.approved_at is not None
    event = AuditEvent.objects.get(action="beneficiary.approve")
    assert event.scope == f"company:{company.pk}"
    assert approver.get(f"/empresa/beneficiarios/{payee.pk}/aprobar/").status_code == 404


def test_an_administrators_payee_is_approved_at_once(company, payee_account):
    assert _payee(company, payee_account, company.admin).approved_at is not None


def test_a_rejected_payee_is_removed_with_its_reason(company, payee_account):
    payee = _payee(company, payee_account, company.maker)
    approver = Client()
    sign_in(approver, company.approver_a.username)
    with_code(approver, f"/empresa/beneficiarios/{payee.pk}/rechazar/", {"reason": "Desconocido"})
    payee.refresh_from_db()
    assert payee.deleted_at is not None
    assert AuditEvent.objects.get(action="beneficiary.reject").reason == "Desconocido"


def test_the_cooling_period_caps_each_payment(company, payee_account, settings):
    settings.BENEFICIARY_COOLING_CAP = Decimal("500")
    settings.BENEFICIARY_COOLING_MINUTES = 30
    payee = _payee(company, payee_account, company.admin)
    member = company.member
    with pytest.raises(ApprovalError, match=r"cada pago puede ser de máximo \$ 500.00"):
        payee_check(member=member, beneficiary_id=payee.pk, amount=Decimal("500.01"))
    payee_check(member=member, beneficiary_id=payee.pk, amount=Decimal("500.00"))
    later = timezone.now() + timedelta(minutes=31)
    payee_check(member=member, beneficiary_id=payee.pk, amount=Decimal("9000"), now=later)

    maker = Client()
    sign_in(maker, company.maker.username)
    data = {
        "beneficiary": payee.pk,
        "origin": company.account.pk,
        "amount": "800.00",
        "memo": "Anticipo",
        "key": "6d1f3b5e-8f7c-4f39-9d7a-0b8c2e7a1a11",
    }
    # Refused before any code is sent (tests/enterprise/test_rules_before_code.py).
    page = maker.post("/transferencias/cooprogreso/confirmar/", data).content.decode()
    assert 'name="otp_digit"' not in page and not ApprovalOrder.objects.exists()
    assert "Este beneficiario fue aprobado hace menos de 30 minutos" in page

    # Registered after the cooling period, but the payee was removed before execution.
    Beneficiary.objects.filter(pk=payee.pk).update(approved_at=timezone.now() - timedelta(hours=1))
    with_code(maker, "/transferencias/cooprogreso/confirmar/", data)
    order = ApprovalOrder.objects.get()
    Beneficiary.objects.filter(pk=payee.pk).update(deleted_at=timezone.now())
    order = order_approve(user=company.approver_b, order_id=order.pk)
    assert order.status == ApprovalOrder.Status.FAILED
    assert order.failure_reason == "El beneficiario ya no existe."


def _typed(company, account, amount, **extra):
    return {
        "account_number": account.number,
        "origin": company.account.pk,
        "amount": amount,
        "memo": "Anticipo",
        "key": str(uuid.uuid4()),
        **extra,
    }


@pytest.mark.parametrize("who", ["maker", "admin"])
def test_an_account_typed_in_is_new_and_capped_unless_an_approved_cooled_payee(
    company, payee_account, who
):
    client = Client()
    sign_in(client, getattr(company, who).username)
    url = "/transferencias/cooprogreso/confirmar/"
    page = client.post(url, _typed(company, payee_account, "900.00", save_beneficiary="on"))
    page = page.content.decode()
    assert 'name="otp_digit"' not in page  # refused before any code is sent
    assert not ApprovalOrder.objects.exists() and not Beneficiary.objects.exists()
    assert "Cuenta nueva: cada pago puede ser de máximo $ 500.00" in page

    # Under the cap it goes, and the ticked payee is saved (waiting, for an ingresador).
    with_code(client, url, _typed(company, payee_account, "300.00", save_beneficiary="on"))
    order = ApprovalOrder.objects.get()
    payee = Beneficiary.objects.get()
    assert (payee.approved_at is None) == (who == "maker")

    # Approved a while ago: the same account typed in again is no longer new.
    Beneficiary.objects.filter(pk=payee.pk).update(approved_at=timezone.now() - timedelta(hours=2))
    funds = {"funds_origin": "Ventas", "funds_purpose": "Anticipo a proveedor"}
    with_code(client, url, _typed(company, payee_account, "900.00", **funds))
    assert ApprovalOrder.objects.exclude(pk=order.pk).get().amount == Decimal("900.00")
