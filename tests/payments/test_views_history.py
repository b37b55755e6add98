"""«Historial de pagos»: the period, category, service and status filters, the 12-month cap,
each receipt, and the XLSX/PDF of the filtered list."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Channel
from payments.models import Biller, Payment
from payments.services.bills import PaymentOrder, bill_pay
from payments.services.catalogue import demo_catalogue_ensure
from tests.auth import sign_in
from tests.factories import key
from tests.payments.test_views_pay import savings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _catalogue(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.PAYMENTS_GATEWAY_TIMEOUT = 2
    demo_catalogue_ensure()


@pytest.fixture
def signed_in(client, member_user):
    sign_in(client, member_user.username)
    return client


def pay(user, code, reference, amount, *, days_ago=0, channel=Channel.WEB):
    biller = Biller.objects.get(code=code)
    payment = bill_pay(
        order=PaymentOrder(
            user=user,
            member=user.customer,
            origin=savings(user),
            biller=biller,
            reference=reference,
            reference_fields={biller.fields[0]["name"]: reference},
            bill=None,
            amount=Decimal(amount),
            idempotency_key=key(),
            channel=channel,
        )
    )
    if days_ago:
        Payment.objects.filter(pk=payment.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
    return payment


@pytest.fixture
def payments(member_user):
    return [
        pay(member_user, "recargas-cnt-paquete", "0991234573", "5.00"),
        pay(member_user, "recargas-claro", "0987654321", "7.00", channel=Channel.MOBILE),
        pay(member_user, "payphone-recarga", "0991111195", "9.00"),  # rejected: FALLIDO
        pay(member_user, "recargas-cnt-paquete", "0991234573", "10.00", days_ago=1),
    ]


def test_today_lists_the_payments_with_their_columns(signed_in, payments):
    page = signed_in.get("/pagos/historial/", {"periodo": "hoy"}).content.decode()
    for text in ("Referencia", "Canal", "Fecha", "Servicio", "Descripción", "Total", "Estado"):
        assert "<th" in page and text in page
    assert "0991234573" in page and "0987654321" in page and "Banca Móvil" in page
    assert "$ 5.00" in page and "$ 10.00" not in page  # yesterday's is not today's
    assert f"/pagos/comprobante/{payments[0].pk}/" in page
    assert f"/pagos/comprobante/{payments[0].pk}/pdf/" in page
    yesterday = signed_in.get("/pagos/historial/", {"periodo": "ayer"}).content.decode()
    assert "$ 10.00" in yesterday and "0987654321" not in yesterday


def test_filters_by_category_service_and_status(signed_in, payments):
    by_service = signed_in.get(
        "/pagos/historial/", {"servicio": "recargas-claro"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "0987654321" in by_service and "0991234573" not in by_service
    assert "<html" not in by_service
    failed = signed_in.get("/pagos/historial/", {"estado": "FALLIDO"}).content.decode()
    assert "0991111195" in failed and "0987654321" not in failed
    water = signed_in.get("/pagos/historial/", {"categoria": "agua"}).content.decode()
    assert "No tienes pagos de servicios en este periodo." in water


def test_custom_period_is_capped_at_twelve_months(signed_in, payments):
    today = timezone.localdate()
    page = signed_in.get(
        "/pagos/historial/",
        {
            "periodo": "personalizado",
            "desde": (today - timedelta(days=400)).isoformat(),
            "hasta": today.isoformat(),
        },
    ).content.decode()
    assert "Solo puedes consultar hasta 12 meses atrás" in page and 'role="alert"' in page
    fine = signed_in.get(
        "/pagos/historial/",
        {
            "periodo": "personalizado",
            "desde": (today - timedelta(days=300)).isoformat(),
            "hasta": today.isoformat(),
        },
    ).content.decode()
    assert "0991234573" in fine


def test_exports_hold_the_filtered_rows(signed_in, payments):
    xlsx = signed_in.get("/pagos/historial/xlsx/", {"periodo": "hoy"})
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    references = [row[0] for row in rows[4:]]
    assert sorted(references) == ["0987654321", "0991111195", "0991234573"]
    totals = {row[0]: row[8] for row in rows[4:]}
    assert Decimal(str(totals["0991234573"])) == Decimal("5.00")
    pdf = signed_in.get("/pagos/historial/pdf/", {"periodo": "hoy"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert signed_in.get("/pagos/historial/csv/").status_code == 404
    capped = signed_in.get(
        "/pagos/historial/xlsx/",
        {"periodo": "personalizado", "desde": "2000-01-01", "hasta": "2000-01-02"},
    )
    assert capped.status_code == 302


def test_another_customer_sees_none_of_them(client, payments, outsider):
    sign_in(client, outsider.username)
    page = client.get("/pagos/historial/", {"periodo": "hoy"}).content.decode()
    assert "0991234573" not in page
    xlsx = client.get("/pagos/historial/xlsx/", {"periodo": "hoy"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert len(list(sheet.iter_rows(values_only=True))) == 4  # title, period, blank, heads


def test_history_refuses_other_methods(signed_in):
    assert signed_in.post("/pagos/historial/").status_code == 405
    assert signed_in.post("/pagos/historial/xlsx/").status_code == 405
