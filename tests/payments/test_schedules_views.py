"""Pagos programados' pages: the list, «Programar nuevo pago» with its htmx service fields, the
terms and the code, "¡Pago programado con éxito!", pause / resume / cancel / edit, the history
of occurrences; another customer's schedule is a 404 on every URL, a wrong method a 405."""

import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Account
from accounts.registries.operations import Context, operation_submit
from payments.models import Biller, Schedule
from payments.services.catalogue import demo_catalogue_ensure, field_message
from payments.services.schedules import SCHEDULE, SchedulePayload
from payments.services.schedules_run import schedules_run_due
from tests.auth import code_sent, sign_in
from tests.factories import key

pytestmark = pytest.mark.django_db

LIST = "/pagos/programados/"
NEW = "/pagos/programados/nuevo/"


@pytest.fixture(autouse=True)
def _billers_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.PAYMENTS_GATEWAY_TIMEOUT = 2
    demo_catalogue_ensure()


@pytest.fixture
def signed_in(client, member_user):
    sign_in(client, member_user.username)
    return client


def origin_of(user) -> Account:
    return Account.objects.filter(owner=user.customer).order_by("pk").first()


@pytest.fixture
def schedule(member_user):
    reference = "12345673"
    data = SchedulePayload(
        origin=origin_of(member_user).pk,
        amount=Decimal("100.00"),
        biller=Biller.objects.get(code="agua-epmapa-pedernales").pk,
        reference=reference,
        fields={"cuenta": reference},
        frequency=Schedule.Frequency.AVAILABLE,
        starts_on=timezone.localdate().isoformat(),
    )
    context = Context(user=member_user, member=member_user.customer, channel="WEB", key=key())
    outcome = operation_submit(spec=SCHEDULE, payload=data, context=context)
    return Schedule.objects.get(pk=outcome.result["schedule"])


def form_data(user, **changes) -> dict:
    return {
        "origin": origin_of(user).pk,
        "category": "agua",
        "biller": "agua-epmapa-pedernales",
        "ref_cuenta": "41515161",
        "max_amount": "10.00",
        "frequency": "DISPONIBLE",
        "starts_on": timezone.localdate().isoformat(),
        "indefinite": "on",
        "accept_terms": "on",
        "key": str(uuid.uuid4()),
    } | changes


def with_code(client, url, data):
    dialog = client.post(url, data).content.decode()
    assert 'name="otp_digit"' in dialog, dialog[:2000]
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    return client.post(
        url, {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code_sent()}
    )


# --- Scheduling a payment -----------------------------------------------------------------------


def test_the_form_says_the_maximum_rule_and_the_terms(signed_in):
    page = signed_in.get(NEW).content.decode()
    assert "Programar nuevo pago" in page and "Cuenta de débito" in page
    assert "Recuerda que si la factura es mayor al valor establecido en el campo Monto máximo" in (
        page
    )
    assert "Términos y Condiciones" in page and "falta de fondos" in page
    assert "Siempre que se encuentre disponible" in page and "Fecha indefinida" in page


def test_the_service_list_follows_the_category_then_its_fields_appear(signed_in):
    headers = {"HTTP_HX_REQUEST": "true"}
    services = signed_in.get(NEW, {"fragment": "service", "category": "agua"}, **headers)
    html = services.content.decode()
    assert 'id="service-fields"' in html and "AGUA EPMAPA PEDERNALES" in html
    assert "<html" not in html and "NUMERO DE CUENTA" not in html
    fields = signed_in.get(
        NEW,
        {"fragment": "service", "category": "agua", "biller": "agua-epmapa-pedernales"},
        **headers,
    ).content.decode()
    assert "NUMERO DE CUENTA" in fields and 'name="ref_cuenta"' in fields
    # A recharge has no bill to wait for: not offered.
    recharges = signed_in.get(NEW, {"fragment": "service", "category": "recargas"}, **headers)
    assert "RECARGAS CNT PAQUETE" not in recharges.content.decode()


def test_refusals_show_on_the_form_before_any_code(signed_in, member_user):
    data = form_data(member_user, ref_cuenta="12", max_amount="0", accept_terms="")
    page = signed_in.post(NEW, data).content.decode()
    assert "otp_digit" not in page
    assert "Acepta los Términos y Condiciones para programar el pago." in page
    assert "El monto máximo debe ser mayor a $ 0.00." in page
    water = Biller.objects.get(code="agua-epmapa-pedernales")
    assert escape(field_message(water.fields[0])) in page  # the biller's own message
    no_end = form_data(member_user, indefinite="")
    page = signed_in.post(NEW, no_end).content.decode()
    assert "Elige la fecha de finalización o marca «Fecha indefinida»." in page
    short = form_data(member_user, ref_cuenta="12")
    page = signed_in.post(NEW, short).content.decode()
    assert 'name="ref_cuenta"' in page and "otp_digit" not in page
    assert not Schedule.objects.exists()


def test_a_payment_is_scheduled_with_a_code(signed_in, member_user):
    response = with_code(signed_in, NEW, form_data(member_user))
    schedule = Schedule.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:schedule_done", args=[schedule.pk])
    page = signed_in.get(response["Location"]).content.decode()
    assert "¡Pago programado con éxito!" in page and "Información del pago programado" in page
    assert "$ 10.00" in page and "AGUA EPMAPA PEDERNALES" in page and "41515161" in page
    assert "Agua" in page and origin_of(member_user).masked_number in page
    assert schedule.status == Schedule.Status.ACTIVE and schedule.ends_on is None
    listing = signed_in.get(LIST).content.decode()
    assert "41515161" in listing and "Activo" in listing and "$ 10.00" in listing


# --- The list and each schedule -----------------------------------------------------------------


def test_the_history_of_occurrences(signed_in, schedule):
    assert "Aún no se ha ejecutado" in signed_in.get(f"{LIST}{schedule.pk}/").content.decode()
    schedules_run_due()
    page = signed_in.get(f"{LIST}{schedule.pk}/").content.decode()
    assert "Pagado" in page and "$ 73.50" in page


def test_pause_resume_and_cancel_with_a_code(signed_in, schedule):
    signed_in.post(reverse("payments:schedule_pause", args=[schedule.pk]))
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.PAUSED
    assert "Pausado" in signed_in.get(LIST).content.decode()
    signed_in.post(reverse("payments:schedule_resume", args=[schedule.pk]))
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.ACTIVE
    url = reverse("payments:schedule_cancel", args=[schedule.pk])
    assert "¿Cancelar el pago programado" in signed_in.get(url).content.decode()
    response = with_code(signed_in, url, {})
    assert response["Location"] == LIST
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.CANCELLED
    # Nothing left to cancel, pause or edit.
    assert signed_in.get(url).status_code == 404
    assert signed_in.get(reverse("payments:schedule_edit", args=[schedule.pk])).status_code == 404


def test_an_edit_is_a_new_schedule_confirmed_with_a_code(signed_in, member_user, schedule):
    url = reverse("payments:schedule_edit", args=[schedule.pk])
    page = signed_in.get(url).content.decode()
    assert "Editar pago programado" in page and 'value="12345673"' in page
    data = form_data(member_user, ref_cuenta="12345673", max_amount="120.00")
    response = with_code(signed_in, url, data)
    new = Schedule.objects.exclude(pk=schedule.pk).get()
    assert response["Location"] == reverse("payments:schedule_done", args=[new.pk])
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.CANCELLED and new.replaces_id == schedule.pk


# --- Access ------------------------------------------------------------------------------------


def urls(schedule) -> dict[str, str]:
    return {
        "detail": reverse("payments:schedule", args=[schedule.pk]),
        "done": reverse("payments:schedule_done", args=[schedule.pk]),
        "edit": reverse("payments:schedule_edit", args=[schedule.pk]),
        "cancel": reverse("payments:schedule_cancel", args=[schedule.pk]),
        "pause": reverse("payments:schedule_pause", args=[schedule.pk]),
        "resume": reverse("payments:schedule_resume", args=[schedule.pk]),
    }


def test_the_owner_opens_every_page(signed_in, schedule):
    assert signed_in.get(LIST).status_code == 200
    assert signed_in.get(NEW).status_code == 200
    for name in ("detail", "done", "edit", "cancel"):
        assert signed_in.get(urls(schedule)[name]).status_code == 200, name


def test_another_customers_schedule_is_not_found(client, outsider, schedule):
    sign_in(client, outsider.username)
    for name, url in urls(schedule).items():
        method = client.post if name in ("pause", "resume") else client.get
        assert method(url).status_code == 404, name
    assert "12345673" not in client.get(LIST).content.decode()
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.ACTIVE


def test_wrong_methods_are_refused(signed_in, schedule):
    links = urls(schedule)
    assert signed_in.post(LIST).status_code == 405
    assert signed_in.post(links["detail"]).status_code == 405
    assert signed_in.post(links["done"]).status_code == 405
    assert signed_in.get(links["pause"]).status_code == 405
    assert signed_in.get(links["resume"]).status_code == 405
    assert signed_in.put(NEW).status_code == 405


def test_signed_out_is_sent_to_sign_in(client, schedule):
    response = client.get(LIST)
    assert response.status_code == 302 and "/ingresar/" in response["Location"]
