"""Niveles de firma: limits within the cooperative's ceiling, ordered levels, signature bands
in plain words; each change with a reason and the administrator's code; and the limits held
when orders are registered and when they execute."""

from decimal import Decimal

import pytest
from django.test import Client

from enterprise.models import (
    ApprovalOrder,
    CompanyLimit,
    CompanyLimitCeiling,
    Operation,
    SignatureLevel,
)
from enterprise.services.approvals import order_approve, required_signatures
from enterprise.services.errors import ApprovalError
from identity.models import AuditEvent
from tests.auth import sign_in
from tests.enterprise.test_views import _pending_order, with_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(company):
    client = Client()
    sign_in(client, company.admin.username)
    return client


def test_the_page_states_the_rules_in_plain_words(company, admin):
    page = admin.get("/empresa/niveles-de-firma/").content.decode()
    assert "Hasta $ 1,000.00: una firma de nivel B." in page
    assert "Más de $ 1,000.00: firmas A y B." in page
    assert "Cualquier monto: una firma de nivel A." in page  # payroll: no bands yet


@pytest.mark.parametrize("who", ["maker", "approver_a"])
def test_only_administrators_reach_it(company, who):
    client = Client()
    sign_in(client, getattr(company, who).username)
    for url in (
        "/empresa/niveles-de-firma/",
        "/empresa/niveles-de-firma/montos/",
        "/empresa/niveles-de-firma/agregar/",
        "/empresa/niveles-de-firma/reglas/TRANSFERENCIA/",
    ):
        assert client.get(url).status_code == 403


def test_limits_change_with_reason_and_code_within_the_ceiling(company, admin):
    CompanyLimitCeiling.objects.create(daily=5000, weekly=20000, monthly=50000)
    data = {"daily": "6000", "weekly": "7000", "monthly": "8000", "reason": "Ajuste"}
    page = admin.post("/empresa/niveles-de-firma/montos/", data).content.decode()
    assert "no puede superar el de la cooperativa para empresas: $ 5,000.00" in page
    assert not CompanyLimit.objects.exists()

    data.update(daily="4000", weekly="3000")
    page = admin.post("/empresa/niveles-de-firma/montos/", data).content.decode()
    assert "El monto diario no puede superar al semanal" in page

    data = {"daily": "3000", "weekly": "9000", "monthly": "20000", "reason": ""}
    assert (
        "Ingresa el motivo del cambio."
        in admin.post("/empresa/niveles-de-firma/montos/", data).content.decode()
    )
    data["reason"] = "Política de tesorería"
    response = with_code(admin, "/empresa/niveles-de-firma/montos/", data)
    assert response["Location"] == "/empresa/niveles-de-firma/"
    row = CompanyLimit.objects.get(company=company)
    assert (row.daily, row.weekly, row.monthly) == (3000, 9000, 20000)
    event = AuditEvent.objects.get(action="company.limits")
    assert event.scope == f"company:{company.pk}" and event.reason == "Política de tesorería"
    assert event.before["diario"] == "5000.00" and event.after["diario"] == "3000"


def test_levels_are_added_in_order_and_only_an_unused_last_one_is_removed(company, admin):
    response = with_code(admin, "/empresa/niveles-de-firma/remover/", {"reason": "Ya no"})
    assert response["Location"] == "/empresa/niveles-de-firma/"
    assert (
        "El nivel B está asignado a 2 usuarios"
        in admin.get("/empresa/niveles-de-firma/").content.decode()
    )
    with_code(admin, "/empresa/niveles-de-firma/agregar/", {"reason": "Gerencia"})
    assert list(
        SignatureLevel.objects.filter(company=company).values_list("letter", flat=True)
    ) == [
        "A",
        "B",
        "C",
    ]
    with_code(admin, "/empresa/niveles-de-firma/remover/", {"reason": "Error"})
    assert SignatureLevel.objects.filter(company=company).count() == 2
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"company.level_add", "company.level_remove"} <= actions


def test_bands_are_validated_and_then_decide_the_signatures(company, admin):
    url = f"/empresa/niveles-de-firma/reglas/{Operation.PAYROLL}/"
    bad = {"up_to_0": "5000", "signatures_0": ["A"], "up_to_1": "100"}
    bad.update(signatures_1=["A", "B"], signatures_2=["A", "B"])
    page = admin.post(url, {**bad, "reason": "x"}).content.decode()
    assert "Los montos de las reglas deben ir de menor a mayor." in page
    page = admin.post(url, {"signatures_0": ["A", "Z"], "reason": "x"}).content.decode()
    assert "El nivel Z no existe en la empresa." in page
    page = admin.post(url, {"up_to_0": "10", "signatures_0": "A", "reason": "x"}).content.decode()
    assert "La última regla no lleva monto" in page

    good = {"up_to_0": "1000", "signatures_0": "B", "signatures_1": ["B", "A"], "reason": "Nómina"}
    response = with_code(admin, url, good)
    assert response["Location"] == "/empresa/niveles-de-firma/"
    assert required_signatures(company, Operation.PAYROLL, Decimal("1000")) == ["B"]
    assert required_signatures(company, Operation.PAYROLL, Decimal("1000.01")) == ["A", "B"]
    page = admin.get("/empresa/niveles-de-firma/").content.decode()
    assert "Más de $ 1,000.00: firmas A y B." in page
    assert admin.get("/empresa/niveles-de-firma/reglas/OTRA/").status_code == 404


def test_company_limits_count_waiting_orders_and_hold_again_at_execution(company, payee_account):
    destination = payee_account
    CompanyLimit.objects.create(company=company, daily=500, weekly=1000, monthly=2000)
    first = _pending_order(company, destination, "300.00")
    with pytest.raises(ApprovalError, match=r"cupo diario de la empresa de \$ 500.00: quedan"):
        _pending_order(company, destination, "250.00")
    assert ApprovalOrder.objects.count() == 1

    # Lowered while the order waited: it fails at execution and its funds are released.
    CompanyLimit.objects.filter(company=company).update(daily=200)
    order = order_approve(user=company.approver_b, order_id=first.pk)
    assert order.status == ApprovalOrder.Status.FAILED
    assert "cupo diario de la empresa de $ 200.00" in order.failure_reason
    company.account.refresh_from_db()
    assert company.account.available == Decimal("10000.00")
