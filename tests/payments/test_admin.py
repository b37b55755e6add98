"""The back office of payments: the catalogue is editable (the reference fields as JSON,
checked), payments are read only with «Consultar estado ahora», reconciliations are listed."""

from decimal import Decimal

import pytest
from django.urls import reverse

from identity.models import User
from payments.models import Biller, Payment, Reconciliation
from payments.services.bills import bill_inquire, bill_pay
from payments.services.reconciliation import reconciliation_run

from .helpers import order, payer

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, catalogue):
    user = User.objects.create_superuser("backoffice", "bo@example.com", "Clave$Segura2026")
    client.force_login(user)
    return user


def biller_post(biller, **changes):
    data = {
        "code": biller.code,
        "name": biller.name,
        "category": biller.category_id,
        "active": "on",
        "gateway": "simulador",
        "fields": '[{"name": "celular", "label": "NUMERO CELULAR", "kind": "digits", '
        '"min_length": 10, "max_length": 10}]',
        "inquiry": biller.inquiry,
        "amount_rule": biller.amount_rule,
        "allowed_amounts": "5, 3.00, 10",
        "min_amount": "0.01",
        "max_amount": "",
        "fee": "0.00",
    }
    return {**data, **changes}


def test_every_list_and_form_opens(client, staff):
    water = Biller.objects.get(code="agua-epmapa-pedernales")
    for name in ("category", "biller", "payment", "reconciliation"):
        response = client.get(reverse(f"admin:payments_{name}_changelist"))
        assert response.status_code == 200, name
    page = client.get(reverse("admin:payments_biller_change", args=[water.pk])).content.decode()
    assert "NUMERO DE CUENTA" in page and "&quot;min_length&quot;: 4" in page
    assert "lo que ve la persona" in page


def test_a_biller_is_saved_with_its_fields_and_amounts(client, staff):
    recharge = Biller.objects.get(code="recargas-cnt-paquete")
    url = reverse("admin:payments_biller_change", args=[recharge.pk])
    response = client.post(url, biller_post(recharge, name="RECARGAS CNT"))
    assert response.status_code == 302
    recharge.refresh_from_db()
    assert recharge.name == "RECARGAS CNT"
    assert recharge.allowed_amounts == ["3.00", "5.00", "10.00"]
    assert recharge.fields[0]["label"] == "NUMERO CELULAR"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"fields": "[{"}, "Ingresa un JSON válido."),
        ({"fields": "[]"}, "Este campo es obligatorio."),
        ({"fields": '{"name": "x"}'}, "Debe ser una lista con al menos un campo."),
        (
            {"fields": '[{"name": "x", "label": "X", "kind": "numero"}]'},
            "«kind» debe ser «digits» o «text».",
        ),
        ({"allowed_amounts": "3, cinco"}, "«cinco» no es un monto válido."),
        ({"allowed_amounts": ""}, "La regla LISTA necesita montos."),
    ],
)
def test_a_wrong_biller_is_not_saved_and_says_why(client, staff, changes, message):
    recharge = Biller.objects.get(code="recargas-cnt-paquete")
    url = reverse("admin:payments_biller_change", args=[recharge.pk])
    response = client.post(url, biller_post(recharge, name="NO", **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    recharge.refresh_from_db()
    assert recharge.name != "NO"


def test_payments_are_read_only_and_pending_ones_are_asked_about(client, staff):
    water = Biller.objects.get(code="agua-epmapa-pedernales")
    user, account = payer()
    [bill] = bill_inquire(biller=water, reference="123496")
    pending = bill_pay(order=order(user, account, water, "123496", bill=bill))
    [bill] = bill_inquire(biller=water, reference="123473")
    paid = bill_pay(order=order(user, account, water, "123473", bill=bill))
    assert (pending.status, paid.status) == ("PENDIENTE", "PAGADO")
    url = reverse("admin:payments_payment_changelist")
    listed = client.get(url + "?status__exact=PENDIENTE").content.decode()
    assert "123496" in listed and "$ 96.50" in listed and "123473" not in listed
    assert client.get(reverse("admin:payments_payment_change", args=[paid.pk])).status_code == 200

    response = client.post(
        url,
        {"action": "status_now", "_selected_action": [pending.pk, paid.pk]},
        follow=True,
    )
    assert (
        "Consulta hecha: 0 pagados, 1 fallidos (dinero devuelto), 0 siguen en proceso; 1 no "
        "estaban en proceso."
    ) in response.content.decode()
    assert Payment.objects.get(pk=pending.pk).status == Payment.Status.FAILED
    assert account.__class__.objects.get(pk=account.pk).balance == Decimal("500.00") - Decimal(
        "73.85"
    )


def test_reconciliations_are_listed(client, staff):
    from django.utils import timezone

    water = Biller.objects.get(code="agua-epmapa-pedernales")
    reconciliation_run(biller=water, day=timezone.localdate())
    page = client.get(reverse("admin:payments_reconciliation_changelist")).content.decode()
    assert "AGUA EPMAPA PEDERNALES" in page
    assert Reconciliation.objects.count() == 1
