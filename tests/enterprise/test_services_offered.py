"""Only the services the portal offers today (issue 13): the card services stay in the data but
are not offered in "Editar servicios por rol", not accepted from a tampered form, and grant no
menu entry, until card payments exist (issue 14)."""

import re

import pytest
from django.test import Client

from enterprise.models import CompanyUser, Service
from enterprise.selectors.access import OFFERED_SERVICES, ROLE_SERVICES, services_of
from identity.models import OtpChallenge
from tests.auth import sign_in

pytestmark = pytest.mark.django_db

CARDS = (Service.CARD_PAYMENT, Service.BENEFICIARIES_CARDS)


def signed_in(user) -> Client:
    client = Client()
    sign_in(client, user.username)
    return client


def services_url(user) -> str:
    return f"/empresa/usuarios/{CompanyUser.objects.get(user=user).pk}/servicios/"


def errors_of(page: str) -> str:
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S))


def test_card_services_are_not_offered_to_any_role():
    assert not set(CARDS) & OFFERED_SERVICES
    assert all(not set(CARDS) & allowed for allowed in ROLE_SERVICES.values())


def test_the_services_form_does_not_show_card_services(company):
    page = signed_in(company.admin).get(services_url(company.maker)).content.decode()
    assert "Transferencias Cooprogreso" in page and "Beneficiarios otros bancos" in page
    assert "Pago de tarjetas" not in page and "Beneficiarios tarjetas" not in page
    assert 'value="PAGO_TARJETAS"' not in page and 'value="BENEF_TARJETAS"' not in page


@pytest.mark.parametrize(
    ("target", "service", "message"),
    [
        ("maker", Service.CARD_PAYMENT, "El servicio «Pago de tarjetas» aún no está disponible."),
        (
            "maker",
            Service.BENEFICIARIES_CARDS,
            "El servicio «Beneficiarios tarjetas» aún no está disponible.",
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


def test_stored_card_services_grant_no_menu_entry_and_no_page(company):
    profile = CompanyUser.objects.get(user=company.maker)
    profile.services = [Service.POSITION, Service.BENEFICIARIES_CARDS, Service.CARD_PAYMENT]
    profile.save(update_fields=["services"])
    assert services_of(profile) == {Service.POSITION}

    maker = signed_in(company.maker)
    home = maker.get("/", follow=True).content.decode()
    assert "Administrar beneficiarios" not in home and 'href="/beneficiarios/"' not in home
    assert maker.get("/beneficiarios/").status_code == 403

    # The same login with the Cooprogreso payees has the entry, and it opens.
    profile.services = [Service.POSITION, Service.BENEFICIARIES_MEMBER]
    profile.save(update_fields=["services"])
    home = maker.get("/", follow=True).content.decode()
    assert 'href="/beneficiarios/"' in home
    assert maker.get("/beneficiarios/").status_code == 200
