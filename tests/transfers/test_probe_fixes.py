"""Regressions of the security probe: the holder-name budget every path shares, the masked
name, and amounts read one strict way."""

import re
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Account, Product
from identity.models import Notification
from payroll.services.validation import validate_rows
from tests.auth import code_sent, sign_in
from tests.factories import funded_member
from tests.payroll.sheet_builders import internal_row, payee
from transfers.models import Beneficiary, Institution, Transfer

pytestmark = pytest.mark.django_db

VALIDAR = "/transferencias/cooprogreso/validar/"
MEMBER_FORM = "/transferencias/cooprogreso/"
MEMBER_CODE = "/transferencias/cooprogreso/confirmar/"
SPENT = "Realizaste demasiadas consultas de cuentas. Intenta nuevamente en una hora."
REVIEW = "Verifica que todos los datos estén correctos"
FULL_NAME = "MARÍA FERNANDA ONTANEDA RUIZ"
MASKED = "MAR** FER***** ONT***** RUI*"
LOOKUPS_PER_HOUR = 30  # the portal's number before it became a setting


def savings(user) -> Account:
    return Account.objects.filter(owner=user.customer, product=Product.SAVINGS).first()


@pytest.fixture
def signed_in(client, member_user):
    sign_in(client, member_user.username)
    return client


@pytest.fixture
def holder(outsider):
    """Another member with a name whose masking can be read at a glance."""
    member = outsider.customer
    member.first_names, member.last_names = "MARÍA FERNANDA", "ONTANEDA RUIZ"
    member.save()
    return outsider


def member_data(member_user, account_number, **extra):
    return {
        "account_number": account_number,
        "origin": savings(member_user).pk,
        "amount": "0.01",
        "key": str(uuid.uuid4()),
        **extra,
    }


def no_name_in(page: str) -> bool:
    return not any(text in page for text in (FULL_NAME, MASKED, "FERNANDA", "ONTANEDA"))


def code_dialog(client, url, data) -> str:
    dialog = client.post(url, data).content.decode()
    assert 'name="otp_digit"' in dialog, dialog[:600]
    return dialog


def verify(client, url, data, dialog):
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    return client.post(
        url, {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code_sent()}
    )


# --- The holder-name budget --------------------------------------------------------------------


def test_confirmation_step_shows_no_holder_once_validar_spent_the_hour(
    signed_in, member_user, holder
):
    others = [savings(funded_member("1.00")).number for _ in range(2)]
    numbers = [savings(holder).number, *others]
    for _ in range(LOOKUPS_PER_HOUR):
        assert signed_in.get(VALIDAR, {"account_number": numbers[0]}).status_code == 200
    for i in range(61):
        number = numbers[i % len(numbers)]
        page = signed_in.post(MEMBER_FORM, member_data(member_user, number)).content.decode()
        assert SPENT in page and REVIEW not in page and no_name_in(page), i
        # The form comes back as typed, to send again in an hour.
        assert f'value="{number}"' in page and 'value="0.01"' in page
    assert not Transfer.objects.exists()


def test_the_code_step_shows_no_holder_once_the_hour_is_spent(signed_in, member_user, holder):
    number = savings(holder).number
    for _ in range(LOOKUPS_PER_HOUR):
        signed_in.get(VALIDAR, {"account_number": number})
    codes = Notification.objects.filter(subject="Tu código de verificación")
    sent = codes.count()
    page = signed_in.post(MEMBER_CODE, member_data(member_user, number)).content.decode()
    assert SPENT in page and 'name="otp_digit"' not in page and no_name_in(page)
    assert codes.count() == sent  # no code (nor its message naming the payee) was sent


def test_confirmation_posts_spend_the_budget_validar_uses(signed_in, member_user, holder):
    number = savings(holder).number
    for _ in range(LOOKUPS_PER_HOUR):
        page = signed_in.post(MEMBER_FORM, member_data(member_user, number)).content.decode()
        assert REVIEW in page
    refused = signed_in.get(VALIDAR, {"account_number": number})
    assert refused.status_code == 429
    assert SPENT in refused.content.decode() and no_name_in(refused.content.decode())
    # The htmx button gets the message with a status htmx swaps in, so the person sees it.
    shown = signed_in.get(VALIDAR, {"account_number": number}, HTTP_HX_REQUEST="true")
    assert shown.status_code == 200 and SPENT in shown.content.decode()


def test_the_budget_is_the_setting(settings, signed_in, member_user, holder):
    settings.TRANSFER_HOLDER_LOOKUPS_PER_HOUR = 2
    number = savings(holder).number
    assert signed_in.get(VALIDAR, {"account_number": number}).status_code == 200
    assert REVIEW in signed_in.post(MEMBER_FORM, member_data(member_user, number)).content.decode()
    assert signed_in.get(VALIDAR, {"account_number": number}).status_code == 429


def test_confirmation_page_and_validar_show_the_holder_masked_never_in_full(
    signed_in, member_user, holder
):
    number = savings(holder).number
    shown = signed_in.get(VALIDAR, {"account_number": number}, HTTP_HX_REQUEST="true")
    shown = shown.content.decode()
    assert f"Titular: {MASKED}" in shown and FULL_NAME not in shown
    data = member_data(member_user, number, amount="20.00")
    review = signed_in.post(MEMBER_FORM, data).content.decode()
    assert REVIEW in review and MASKED in review
    assert FULL_NAME not in review and "FERNANDA" not in review and "ONTANEDA" not in review
    # The code's dialog and message name the payee as masked as the page did.
    dialog = code_dialog(signed_in, MEMBER_CODE, data)
    message = Notification.objects.filter(subject="Tu código de verificación").latest("id")
    assert f"a MAR** ****{number[-4:]}" in message.body and "MARÍA" not in message.body
    assert "MARÍA" not in dialog and "FERNANDA" not in dialog


def test_one_transfer_spends_one_lookup_from_validar_to_the_code(
    settings, signed_in, member_user, holder
):
    # Validar, the verify page, the code's dialog and its check of one form (its key) and one
    # account show the same masked name: one look-up, so a member is not short of them.
    settings.TRANSFER_HOLDER_LOOKUPS_PER_HOUR = 2
    number = savings(holder).number
    data = member_data(member_user, number, amount="20.00")
    shown = signed_in.get(VALIDAR, {"account_number": number, "key": data["key"]})
    assert MASKED in shown.content.decode()
    assert MASKED in signed_in.post(MEMBER_FORM, data).content.decode()
    response = verify(signed_in, MEMBER_CODE, data, code_dialog(signed_in, MEMBER_CODE, data))
    assert response.status_code == 302 and Transfer.objects.count() == 1
    # One look-up left of two, then none.
    assert signed_in.get(VALIDAR, {"account_number": number}).status_code == 200
    assert signed_in.get(VALIDAR, {"account_number": number}).status_code == 429


def test_own_saved_beneficiaries_need_no_lookup_and_are_shown_masked(
    signed_in, member_user, holder
):
    account = savings(holder)
    saved = Beneficiary.objects.create(
        owner=member_user.customer,
        kind=Beneficiary.Kind.MEMBER,
        institution=Institution.objects.get(is_self=True),
        account=account,
        account_number=account.number,
        holder_name=FULL_NAME,
        alias="Vecina",
        approved_at=timezone.now(),
    )
    stranger = savings(funded_member("1.00")).number
    for _ in range(LOOKUPS_PER_HOUR):
        signed_in.get(VALIDAR, {"account_number": stranger})
    data = member_data(member_user, "", beneficiary=saved.pk, amount="20.00")
    review = signed_in.post(MEMBER_FORM, data).content.decode()
    assert REVIEW in review and MASKED in review and FULL_NAME not in review
    assert SPENT in signed_in.post(MEMBER_FORM, member_data(member_user, stranger)).content.decode()


def test_a_company_user_shares_the_same_budget(company, payee_account):
    maker = Client()
    sign_in(maker, company.maker.username)
    for _ in range(LOOKUPS_PER_HOUR):
        maker.get(VALIDAR, {"account_number": payee_account.number})
    data = {
        "account_number": payee_account.number,
        "origin": company.account.pk,
        "amount": "0.01",
        "key": str(uuid.uuid4()),
    }
    page = maker.post(MEMBER_FORM, data).content.decode()
    assert SPENT in page and payee_account.owner.full_name not in page


# --- Amounts ---------------------------------------------------------------------------------

ODD_AMOUNTS = ["1_000", "1E2", "+5", "١٠٠", "１００"]
BAD_AMOUNT = "Ingresa un monto válido, por ejemplo 20.00."


def transfer_forms(member_user, outsider):
    shares = Account.objects.create(
        owner=member_user.customer, number="4109999999", product=Product.SHARES
    )
    origin = savings(member_user).pk
    return {
        "/transferencias/mis-cuentas/": {"origin": origin, "destination": shares.pk},
        MEMBER_FORM: {"origin": origin, "account_number": savings(outsider).number},
        "/transferencias/interbancarias/": {
            "origin": origin,
            "institution": Institution.objects.get(code="0032").pk,
            "account_type": "AHORROS",
            "account_number": "2200123456",
            "holder_name": "Fanny Ontaneda",
            "id_type": "CEDULA",
            "identification": "1710034065",
        },
    }


@pytest.mark.parametrize("typed", [*ODD_AMOUNTS, "abc"])
def test_transfer_forms_refuse_amounts_decimal_would_normalise(
    signed_in, member_user, outsider, typed
):
    for url, data in transfer_forms(member_user, outsider).items():
        page = signed_in.post(
            url, {**data, "amount": typed, "key": str(uuid.uuid4())}
        ).content.decode()
        assert BAD_AMOUNT in page and REVIEW not in page, url
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("typed", ODD_AMOUNTS)
def test_limits_forms_refuse_amounts_decimal_would_normalise(signed_in, company, typed):
    data = {
        "COOPROGRESO_daily": typed,
        "COOPROGRESO_weekly": "500.00",
        "COOPROGRESO_monthly": "1000.00",
        "INTERBANCARIA_daily": "100.00",
        "INTERBANCARIA_weekly": "300.00",
        "INTERBANCARIA_monthly": "600.00",
    }
    page = signed_in.post("/transferencias/cupos/", data).content.decode()
    assert 'name="otp_digit"' not in page and "Ingresa un número" in page
    admin = Client()
    sign_in(admin, company.admin.username)
    data = {"daily": typed, "weekly": "7000", "monthly": "8000", "reason": "Ajuste"}
    page = admin.post("/empresa/niveles-de-firma/montos/", data).content.decode()
    assert 'name="otp_digit"' not in page and "Ingresa un número" in page


@pytest.mark.parametrize("typed", ODD_AMOUNTS)
def test_payroll_text_cells_refuse_amounts_decimal_would_normalise(company, typed):
    row = internal_row(payee(), Valor=typed)  # a text cell, as typed
    (result,) = validate_rows([(2, row)], company_member=company.member)
    assert result.amount is None
    assert [e["message"] for e in result.errors] == [
        "El valor debe ser un número con punto decimal y sin separador de miles (ej. 1250.50)."
    ]


def test_a_typed_minus_is_still_told_the_amount_must_be_positive(signed_in, member_user, outsider):
    page = signed_in.post(
        MEMBER_FORM, member_data(member_user, savings(outsider).number, amount="-3")
    ).content.decode()
    assert "El monto debe ser mayor a $ 0.00." in page and REVIEW not in page


def test_plain_amounts_still_read(signed_in, member_user, outsider):
    for typed, shown in (("20", "$ 20.00"), ("20.5", "$ 20.50"), (" 0.01 ", "$ 0.01")):
        page = signed_in.post(
            MEMBER_FORM, member_data(member_user, savings(outsider).number, amount=typed)
        ).content.decode()
        assert REVIEW in page and shown in page, typed
