"""The services "Editar servicios por rol" offers: the payment services (issue 14) to those who
register operations, never to an authorizer; a tampered form is refused in Spanish."""

import re

import pytest
from django.test import Client

from enterprise.models import CompanyRole, CompanyUser, Service
from enterprise.selectors.access import OFFERED_SERVICES, ROLE_SERVICES
from identity.models import OtpChallenge
from tests.auth import sign_in

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    sign_in(client, user.username)
    return client


def services_url(user) -> str:
    return f"/empresa/usuarios/{CompanyUser.objects.get(user=user).pk}/servicios/"


def errors_of(page: str) -> str:
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S))


def test_payment_services_are_offered_to_those_who_register_operations():
    payments = {Service.CARD_PAYMENT, Service.BENEFICIARIES_CARDS, Service.SERVICE_PAYMENT}
    assert payments <= OFFERED_SERVICES
    assert payments <= ROLE_SERVICES[CompanyRole.ADMIN]
    assert payments <= ROLE_SERVICES[CompanyRole.MAKER]
    assert not payments & ROLE_SERVICES[CompanyRole.APPROVER]


def test_the_services_form_shows_the_payment_services(company):
    page = signed_in(company.admin).get(services_url(company.maker)).content.decode()
    for label in ("Pago de tarjetas", "Beneficiarios tarjetas", "Pago de servicios"):
        assert label in page
    assert 'value="PAGO_SERVICIOS"' in page


@pytest.mark.parametrize(
    ("target", "service", "message"),
    [
        (
            "approver_a",
            Service.SERVICE_PAYMENT,
            "El rol del usuario no permite el servicio «Pago de servicios».",
        ),
        (
            "approver_a",
            Service.TRANSFER_INTERBANK,
            "El rol del usuario no permite el servicio «Transferencias interbancarias».",
        ),
        ("maker", "INVENTADO", "Elige los servicios de la lista."),
    ],
)
def test_a_tampered_service_is_refused_in_spanish_without_its_code(
    company, target, service, message
):
    user = getattr(company, target)
    path = services_url(user)
    page = (
        signed_in(company.admin)
        .post(path, {"services": [Service.POSITION, service], "reason": "Prueba"})
        .content.decode()
    )
    errors = errors_of(page)
    assert message in errors and service not in errors
    assert CompanyUser.objects.get(user=user).services == []
    # Refused before any code is sent.
    assert not OtpChallenge.objects.filter(purpose="company_user_services").exists()
