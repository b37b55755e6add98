"""An order's life at its edges: expiry noticed when someone acts, withdrawal only before any
signature, an author who left, a rule changed while it waits, and the audit of each end."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Account
from enterprise.models import ApprovalBand, ApprovalOrder, CompanyUser, Operation
from enterprise.services.approvals import order_approve, order_withdraw
from enterprise.services.errors import ApprovalError
from identity.models import AuditEvent
from tests.auth import sign_in
from tests.enterprise.test_views import _pending_order

pytestmark = pytest.mark.django_db


def available(company):
    return Account.objects.get(pk=company.account.pk).available


def test_an_overdue_order_expires_when_someone_acts_on_it(company, payee_account):
    order = _pending_order(company, payee_account, "300.00")
    ApprovalOrder.objects.filter(pk=order.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ApprovalError, match="ya no está pendiente: expirada"):
        order_approve(user=company.approver_b, order_id=order.pk)
    order.refresh_from_db()
    assert order.status == ApprovalOrder.Status.EXPIRED  # kept, though the approval failed
    assert available(company) == Decimal("10000.00")
    event = AuditEvent.objects.get(action="order.expire")
    assert event.scope == company.audit_scope


def test_only_an_unsigned_order_can_be_withdrawn(company, payee_account):
    order = _pending_order(company, payee_account, "5000.00")  # A + B
    order_approve(user=company.approver_b, order_id=order.pk)
    with pytest.raises(ApprovalError, match="La orden ya tiene firmas"):
        order_withdraw(user=company.maker, order_id=order.pk)
    order.refresh_from_db()
    assert order.status == ApprovalOrder.Status.PENDING


def test_an_order_whose_author_was_blocked_fails_and_releases_its_funds(company, payee_account):
    order = _pending_order(company, payee_account, "300.00")
    CompanyUser.objects.filter(user=company.maker).update(status=CompanyUser.Status.BLOCKED)
    order = order_approve(user=company.approver_b, order_id=order.pk)
    assert order.status == ApprovalOrder.Status.FAILED
    assert order.failure_reason == "Quien registró la orden ya no es un usuario activo."
    assert available(company) == Decimal("10000.00")
    assert AuditEvent.objects.filter(action="order.fail", scope=company.audit_scope).exists()


def test_a_waiting_order_keeps_the_rule_it_was_registered_under(company, payee_account):
    order = _pending_order(company, payee_account, "300.00")  # one B at registration
    assert order.required == ["B"]
    ApprovalBand.objects.filter(company=company, operation=Operation.TRANSFER).update(
        signatures=["A", "B"]
    )
    order = order_approve(user=company.approver_b, order_id=order.pk)
    assert order.status == ApprovalOrder.Status.EXECUTED
    event = AuditEvent.objects.get(action="order.execute")
    assert event.after["transfer"] == order.result["transfer"]


@pytest.mark.parametrize("query", ["NaN", "sNaN", "Infinity", "-1e999", "1e20"])
def test_the_pending_search_takes_any_text(company, payee_account, query):
    _pending_order(company, payee_account, "48.00", "Luz")
    client = Client()
    sign_in(client, company.approver_b.username)
    response = client.get("/empresa/autorizar/", {"q": query})
    assert response.status_code == 200
    assert "Ninguna operación pendiente coincide con la búsqueda." in response.content.decode()
