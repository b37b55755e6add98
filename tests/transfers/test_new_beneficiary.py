"""«Nuevo beneficiario» outside a transfer: the transfer form's payee checks, a code bound to the
payee, for members and for company users with the service; a company's payee waits for an
authorizer as one saved from a transfer does."""

import re
import uuid

import pytest
from django.test import Client

from enterprise.models import CompanyUser, Service
from identity.models import OtpChallenge
from tests.auth import code_sent, sign_in
from tests.transfers.test_views import savings
from transfers.models import Beneficiary, Institution

pytestmark = pytest.mark.django_db

OTHERS = "/beneficiarios/nuevo/otros/"
MEMBERS = "/beneficiarios/nuevo/cooprogreso/"


@pytest.fixture
def signed_in(client, member_user):
    sign_in(client, member_user.username)
    return client


def interbank(**extra):
    return {
        "institution": Institution.objects.get(code="0032").pk,
        "account_type": "AHORROS",
        "account_number": "2200123456",
        "holder_name": "Fanny Ontaneda",
        "id_type": "CEDULA",
        "identification": "1710034065",
        "email": "fanny@example.com",
        "alias": "Fanny",
        "key": str(uuid.uuid4()),
        **extra,
    }


def ask_code(client, url, data) -> str:
    dialog = client.post(url, data).content.decode()
    assert 'name="otp_digit"' in dialog, dialog[:600]
    return re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)


def verify(client, url, data, challenge, code=None):
    return client.post(
        url,
        {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code or code_sent()},
    )


def test_the_beneficiaries_page_offers_nuevo_beneficiario(signed_in):
    page = signed_in.get("/beneficiarios/").content.decode()
    assert 'data-testid="new-beneficiary"' in page and f'href="{MEMBERS}"' in page
    page = signed_in.get("/beneficiarios/?tab=otros").content.decode()
    assert f'href="{OTHERS}"' in page
    assert "o con «Nuevo beneficiario»" in page  # the empty list says how to add one
    # A card is added where it is paid ("Agregar nueva tarjeta" opens the card payment).
    page = signed_in.get("/beneficiarios/?tab=tarjetas").content.decode()
    assert "Agregar nueva tarjeta" in page and 'href="/pago-tarjetas/pagar/"' in page
    assert signed_in.get("/beneficiarios/nuevo/tarjetas/").status_code == 404


def test_another_banks_payee_is_saved_with_a_code(signed_in, member_user):
    page = signed_in.get(OTHERS).content.decode()
    for label in ("Institución financiera", "Tipo de cuenta", "Identificación", "Alias (opcional)"):
        assert label in page
    data = interbank()
    challenge = ask_code(signed_in, OTHERS, data)
    assert not Beneficiary.objects.exists()  # nothing before the code
    assert OtpChallenge.objects.get(pk=challenge).description == (
        "guardar a FANNY ****3456 como beneficiario"
    )

    response = verify(signed_in, OTHERS, data, challenge)

    assert response["Location"] == "/beneficiarios/?tab=otros"
    payee = Beneficiary.objects.get(owner=member_user.customer)
    assert (payee.kind, payee.holder_name, payee.alias) == (
        Beneficiary.Kind.INTERBANK,
        "FANNY ONTANEDA",
        "Fanny",
    )
    assert payee.approved_at is not None and payee.created_by == member_user
    listing = signed_in.get(response["Location"]).content.decode()
    assert "Beneficiario guardado" in listing and "Por aprobar" not in listing
    # Usable at once: offered in the transfer form.
    form = signed_in.get(f"/transferencias/interbancarias/?beneficiario={payee.pk}")
    assert re.search(rf'<option value="{payee.pk}" selected', form.content.decode())


def test_an_invalid_identification_is_said_in_spanish_and_asks_no_code(signed_in):
    page = signed_in.post(OTHERS, interbank(identification="1710034066")).content.decode()
    assert "La cédula no es válida: revisa los 10 dígitos." in page
    assert 'value="Fanny Ontaneda"' in page  # what was typed stays
    page = signed_in.post(OTHERS, interbank(institution="", holder_name="")).content.decode()
    assert "Elige la institución financiera." in page
    assert "Ingresa el nombre del titular." in page
    page = signed_in.post(OTHERS, interbank(account_number="12")).content.decode()
    assert "El número de cuenta debe tener de 5 a 20 dígitos." in page
    assert not OtpChallenge.objects.filter(purpose="beneficiary_add").exists()
    assert not Beneficiary.objects.exists()


def test_the_code_is_required_and_bound_to_the_payee(signed_in):
    data = interbank()
    challenge = ask_code(signed_in, OTHERS, data)
    # A wrong code saves nothing.
    wrong = verify(signed_in, OTHERS, data, challenge, code="000000").content.decode()
    assert 'name="otp_digit"' in wrong and not Beneficiary.objects.exists()
    # The code sent for one account does not save another.
    other = {**data, "account_number": "2200999999"}
    changed = verify(signed_in, OTHERS, other, challenge).content.decode()
    assert "El código no corresponde a esta operación" in changed
    assert not Beneficiary.objects.exists()


def test_another_members_account_is_saved_with_a_code(signed_in, member_user, outsider):
    data = {
        "account_number": savings(outsider).number,
        "alias": "Vecino",
        "key": str(uuid.uuid4()),
    }
    challenge = ask_code(signed_in, MEMBERS, data)
    verify(signed_in, MEMBERS, data, challenge)
    payee = Beneficiary.objects.get(owner=member_user.customer)
    assert payee.kind == Beneficiary.Kind.MEMBER and payee.account == savings(outsider)
    # Saved already: said on the form, no second code.
    again = signed_in.post(MEMBERS, {**data, "key": str(uuid.uuid4())}).content.decode()
    assert "Esta cuenta ya está en tus beneficiarios." in again
    page = signed_in.post(
        MEMBERS, {"account_number": "999999999999", "key": str(uuid.uuid4())}
    ).content.decode()
    assert "No existe una cuenta activa con ese número." in page
    own = signed_in.post(
        MEMBERS, {"account_number": savings(member_user).number, "key": str(uuid.uuid4())}
    ).content.decode()
    assert "Para tus propias cuentas" in own


def test_an_ingresadors_payee_goes_to_approval(company):
    maker = Client()
    sign_in(maker, company.maker.username)
    data = interbank()
    challenge = ask_code(maker, OTHERS, data)
    page = maker.get(OTHERS).content.decode()
    assert "Un autorizador de tu empresa debe aprobarlo" in page

    response = verify(maker, OTHERS, data, challenge)

    payee = Beneficiary.objects.get(owner=company.member)
    assert payee.approved_at is None and payee.created_by == company.maker
    listing = maker.get(response["Location"]).content.decode()
    assert (
        "Beneficiario guardado: podrás transferirle cuando un autorizador de tu empresa lo apruebe."
    ) in listing
    assert "Por aprobar" in listing
    assert "Podrás transferirle cuando un autorizador de tu empresa lo apruebe." in listing
    assert f"?beneficiario={payee.pk}" not in listing  # no "Transferir" until approved
    # The authorizers see it waiting, as one saved from a transfer.
    approver = Client()
    sign_in(approver, company.approver_b.username)
    assert "FANNY ONTANEDA" in approver.get("/empresa/autorizar/").content.decode()


def test_an_administrators_payee_is_usable_at_once(company):
    admin = Client()
    sign_in(admin, company.admin.username)
    data = interbank()
    verify(admin, OTHERS, data, ask_code(admin, OTHERS, data))
    assert Beneficiary.objects.get(owner=company.member).approved_at is not None


def test_a_company_user_without_the_service_gets_no_button(company):
    profile = CompanyUser.objects.get(user=company.maker)
    profile.services = [Service.BENEFICIARIES_MEMBER]
    profile.save()
    maker = Client()
    sign_in(maker, company.maker.username)
    page = maker.get("/beneficiarios/?tab=otros").content.decode()
    assert 'data-testid="new-beneficiary"' not in page
    assert maker.get(OTHERS).status_code == 403
    assert maker.get(MEMBERS).status_code == 200
    approver = Client()
    sign_in(approver, company.approver_b.username)
    assert approver.get(MEMBERS).status_code == 403
