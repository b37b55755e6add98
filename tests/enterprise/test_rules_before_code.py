"""A company's rules are told on the transfer form, at the first submit, with their numbers and
the person's data kept — before any code is sent — and still hold when the order is
registered and when it runs. An ingresador's verify page and code say the order waits for the
company's signatures; "Guardar beneficiario" saves the payee (waiting for approval) and says so."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Channel
from accounts.registries.operations import Context, operation_precheck, operation_submit
from enterprise.models import ApprovalOrder, CompanyLimit
from enterprise.services.approvals import order_approve
from enterprise.services.errors import ApprovalError
from enterprise.services.operations import company_precheck
from identity.models import OtpChallenge
from tests.auth import code_sent, sign_in
from transfers.models import Beneficiary, Transfer
from transfers.services.operations import MEMBER, MemberTransferPayload

pytestmark = pytest.mark.django_db

FORM = "/transferencias/cooprogreso/"
CONFIRM = "/transferencias/cooprogreso/confirmar/"


def signed_in(user) -> Client:
    client = Client()
    sign_in(client, user.username)
    return client


def typed(company, account, amount, **extra):
    return {
        "account_number": account.number,
        "origin": company.account.pk,
        "amount": amount,
        "memo": "Anticipo proveedor",
        "funds_origin": "Ventas",
        "funds_purpose": "Pago a proveedor",
        "key": str(uuid.uuid4()),
        **extra,
    }


def chosen(company, beneficiary, amount, **extra):
    return {
        "beneficiary": beneficiary.pk,
        "origin": company.account.pk,
        "amount": amount,
        "memo": "Anticipo proveedor",
        "funds_origin": "Ventas",
        "funds_purpose": "Pago a proveedor",
        "key": str(uuid.uuid4()),
        **extra,
    }


def input_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else None


def with_code(client, url, data):
    dialog = client.post(url, data).content.decode()
    assert 'name="otp_digit"' in dialog, dialog[:600]
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    return client.post(
        url, {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code_sent()}
    )


def nothing_happened():
    assert not OtpChallenge.objects.filter(purpose="transfer").exists()
    assert not ApprovalOrder.objects.exists() and not Transfer.objects.exists()


# --- Refused at the first submit, on the form, the data kept -----------------------------------


def test_a_new_account_over_the_cap_is_refused_on_the_form(company, payee_account):
    maker = signed_in(company.maker)
    data = typed(company, payee_account, "900.00", save_beneficiary="on", alias="Proveedor")

    page = maker.post(FORM, data).content.decode()

    assert "Cuenta nueva: cada pago puede ser de máximo $ 500.00" in page
    assert 'data-testid="transfer-form"' in page  # the form again, not the verify page
    assert input_value(page, "amount") == "900.00"
    assert input_value(page, "account_number") == payee_account.number
    assert input_value(page, "memo") == "Anticipo proveedor"
    assert input_value(page, "alias") == "Proveedor"
    assert re.search(r'<input[^>]*name="save_beneficiary"[^>]*checked', page)
    nothing_happened()
    assert not Beneficiary.objects.exists()


def test_a_payee_approved_minutes_ago_is_capped_on_the_form(company, payee_account, settings):
    settings.BENEFICIARY_COOLING_CAP = Decimal("500")
    settings.BENEFICIARY_COOLING_MINUTES = 30
    payee = Beneficiary.objects.create(
        owner=company.member,
        kind=Beneficiary.Kind.MEMBER,
        account=payee_account,
        account_number=payee_account.number,
        holder_name="PROVEEDOR",
        approved_at=timezone.now() - timedelta(minutes=10),
    )
    maker = signed_in(company.maker)

    page = maker.post(FORM, chosen(company, payee, "800.00")).content.decode()

    assert (
        "Este beneficiario fue aprobado hace menos de 30 minutos: cada pago puede ser de máximo "
        "$ 500.00 hasta las"
    ) in page
    assert input_value(page, "amount") == "800.00"
    assert re.search(rf'<option value="{payee.pk}" selected', page)
    nothing_happened()

    # The same at the code step: no code is sent for it either.
    page = maker.post(CONFIRM, chosen(company, payee, "800.00")).content.decode()
    assert "aprobado hace menos de 30 minutos" in page and 'name="otp_digit"' not in page
    nothing_happened()


def test_the_company_limit_is_refused_on_the_form_and_told_beforehand(company, trusted_payee):
    CompanyLimit.objects.create(
        company=company, daily=Decimal("1200"), weekly=Decimal("5000"), monthly=Decimal("9000")
    )
    maker = signed_in(company.maker)
    form = maker.get(FORM).content.decode()
    assert "Cupo diario restante de tu empresa: $ 1,200.00." in form
    assert "cada pago puede ser de máximo $ 500.00" in form  # the new-payee cap, beforehand
    assert "quedan pendientes de las firmas de tu empresa" in form

    page = maker.post(FORM, chosen(company, trusted_payee, "1500.00")).content.decode()

    assert "El monto supera el cupo diario de la empresa de $ 1,200.00: quedan $ 1,200.00." in page
    assert input_value(page, "amount") == "1500.00"
    nothing_happened()

    # An order waiting for signatures already takes its share of the limit.
    with_code(maker, CONFIRM, chosen(company, trusted_payee, "300.00"))
    assert ApprovalOrder.objects.get().status == ApprovalOrder.Status.PENDING
    assert "Cupo diario restante de tu empresa: $ 900.00." in maker.get(FORM).content.decode()
    page = maker.post(FORM, chosen(company, trusted_payee, "1000.00")).content.decode()
    assert "quedan $ 900.00" in page


def test_a_payee_waiting_for_approval_is_explained_not_offered(company, payee_account):
    payee = Beneficiary.objects.create(
        owner=company.member,
        kind=Beneficiary.Kind.MEMBER,
        account=payee_account,
        account_number=payee_account.number,
        holder_name="PROVEEDOR",
        alias="Proveedor",
    )
    maker = signed_in(company.maker)
    page = maker.get(f"{FORM}?beneficiario={payee.pk}").content.decode()
    assert (
        "Proveedor está por aprobar: podrás transferirle cuando un autorizador de tu empresa lo "
        "apruebe."
    ) in page
    assert f'<option value="{payee.pk}"' not in page

    # The rule itself, as the precheck says it (on the payee's field).
    verdict = company_precheck(
        spec=MEMBER,
        payload=MemberTransferPayload(
            origin=company.account.pk,
            amount=Decimal("10"),
            destination=payee_account.pk,
            beneficiary=payee.pk,
        ),
        user=company.maker,
        member=company.member,
    )
    assert [(r.field, r.message) for r in verdict.refusals] == [
        (
            "beneficiary",
            "El beneficiario aún no ha sido aprobado por un autorizador: podrás transferirle "
            "cuando un autorizador de tu empresa lo apruebe.",
        )
    ]


def test_a_typed_account_saved_and_waiting_says_why_it_is_capped(company, payee_account):
    Beneficiary.objects.create(
        owner=company.member,
        kind=Beneficiary.Kind.MEMBER,
        account=payee_account,
        account_number=payee_account.number,
        holder_name="PROVEEDOR",
    )
    maker = signed_in(company.maker)
    page = maker.post(FORM, typed(company, payee_account, "900.00")).content.decode()
    assert (
        "Esta cuenta está en tus beneficiarios por aprobar: mientras un autorizador de tu "
        "empresa no la apruebe, cada pago puede ser de máximo $ 500.00."
    ) in page
    nothing_happened()


def test_a_member_has_no_company_precheck(member_user, outsider):
    from tests.transfers.test_views import savings

    payload = MemberTransferPayload(
        origin=savings(member_user).pk, amount=Decimal("9000"), destination=savings(outsider).pk
    )
    verdict = operation_precheck(
        spec=MEMBER, payload=payload, user=member_user, member=member_user.customer
    )
    assert verdict.refusals == () and not verdict.waits


# --- The rules still hold when the order is registered and when it runs ------------------------


def test_the_rules_hold_when_registered_without_the_form(company, payee_account):
    """The precheck is only a forecast: a submission that skipped the form is refused the same."""
    context = Context(
        user=company.maker, member=company.member, channel=Channel.WEB, key="tr-forged"
    )
    payload = MemberTransferPayload(
        origin=company.account.pk, amount=Decimal("900.00"), destination=payee_account.pk
    )
    with pytest.raises(ApprovalError, match=r"Cuenta nueva: cada pago puede ser de máximo"):
        operation_submit(spec=MEMBER, payload=payload, context=context)
    CompanyLimit.objects.create(
        company=company, daily=Decimal("100"), weekly=Decimal("5000"), monthly=Decimal("9000")
    )
    small = MemberTransferPayload(
        origin=company.account.pk, amount=Decimal("200.00"), destination=payee_account.pk
    )
    with pytest.raises(ApprovalError, match=r"cupo diario de la empresa de \$ 100.00"):
        operation_submit(spec=MEMBER, payload=small, context=context)
    assert not ApprovalOrder.objects.exists()


def test_the_limit_holds_when_the_order_runs(company, trusted_payee):
    maker = signed_in(company.maker)
    with_code(maker, CONFIRM, chosen(company, trusted_payee, "300.00"))
    order = ApprovalOrder.objects.get()
    CompanyLimit.objects.create(
        company=company, daily=Decimal("100"), weekly=Decimal("5000"), monthly=Decimal("9000")
    )
    order = order_approve(user=company.approver_b, order_id=order.pk)
    assert order.status == ApprovalOrder.Status.FAILED
    assert "cupo diario de la empresa de $ 100.00" in order.failure_reason
    assert not Transfer.objects.exists()


# --- What an ingresador is told before the code --------------------------------------------------


def test_an_ingresadors_verify_page_and_code_say_the_order_waits(company, trusted_payee):
    maker = signed_in(company.maker)
    review = maker.post(FORM, chosen(company, trusted_payee, "48.00")).content.decode()
    assert "Verifica que todos los datos estén correctos" in review
    assert "La orden quedará pendiente de las firmas de tu empresa: B." in review
    assert "Se procesará" not in review

    big = maker.post(FORM, chosen(company, trusted_payee, "1200.00")).content.decode()
    assert "La orden quedará pendiente de las firmas de tu empresa: A + B." in big

    dialog = maker.post(CONFIRM, chosen(company, trusted_payee, "48.00")).content.decode()
    assert "quedará pendiente de las firmas de tu empresa: B" in dialog
    challenge = OtpChallenge.objects.get(purpose="transfer")
    assert challenge.description.startswith("registrar la orden de transferir $ 48.00 a ")
    assert challenge.description.endswith("que quedará pendiente de las firmas de tu empresa: B")


def test_an_ingresadors_interbank_verify_page_says_it_waits_not_when_it_is_processed(company):
    maker = signed_in(company.maker)
    data = {
        "institution": "",
        "account_type": "AHORROS",
        "account_number": "2200123456",
        "holder_name": "Fanny Ontaneda",
        "id_type": "CEDULA",
        "identification": "1710034065",
        "origin": company.account.pk,
        "amount": "40.00",
        "key": str(uuid.uuid4()),
    }
    from transfers.models import Institution

    data["institution"] = Institution.objects.get(code="0032").pk
    review = maker.post("/transferencias/interbancarias/", data).content.decode()
    assert "La orden quedará pendiente de las firmas de tu empresa: B." in review
    assert "Se enviará cuando firmen" in review
    assert "Se procesará" not in review


def test_an_administrators_verify_page_does_not_say_it_waits(company, trusted_payee):
    admin = signed_in(company.admin)
    review = admin.post(FORM, chosen(company, trusted_payee, "48.00")).content.decode()
    assert "Verifica que todos los datos estén correctos" in review
    assert "quedará pendiente" not in review
    assert "quedan pendientes de las firmas" not in admin.get(FORM).content.decode()


# --- "Guardar beneficiario" for a company -------------------------------------------------------


def test_guardar_beneficiario_of_a_waiting_order_saves_the_payee_and_says_so(
    company, payee_account
):
    maker = signed_in(company.maker)
    data = typed(company, payee_account, "300.00", save_beneficiary="on", alias="Proveedor")

    response = with_code(maker, CONFIRM, data)

    order = ApprovalOrder.objects.get()
    assert order.status == ApprovalOrder.Status.PENDING
    payee = Beneficiary.objects.get(owner=company.member)
    assert payee.alias == "Proveedor" and payee.approved_at is None
    page = maker.get(response["Location"]).content.decode()
    assert f"Orden N.º {order.pk} registrada: queda pendiente de autorización." in page
    assert (
        "Guardamos a Proveedor en tus beneficiarios: podrás elegirlo cuando un autorizador de "
        "tu empresa lo apruebe."
    ) in page
    listing = maker.get("/beneficiarios/").content.decode()
    assert "Por aprobar" in listing
    assert "Podrás transferirle cuando un autorizador de tu empresa lo apruebe." in listing


def test_guardar_beneficiario_of_an_administrator_is_usable_at_once(company, payee_account):
    admin = signed_in(company.admin)
    data = typed(company, payee_account, "300.00", save_beneficiary="on", alias="Proveedor")

    response = with_code(admin, CONFIRM, data)

    payee = Beneficiary.objects.get(owner=company.member)
    assert payee.approved_at is not None
    transfer = Transfer.objects.get()
    assert transfer.beneficiary == payee
    page = admin.get(response["Location"]).content.decode()
    assert "Guardamos a Proveedor en tus beneficiarios." in page
