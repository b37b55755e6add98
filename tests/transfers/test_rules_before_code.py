"""A member's rules before the code: the limit left is told on the form before it is filled; an
amount over it is refused at the first submit with its numbers, the data kept, no code sent,
nothing posted — and the limit still holds when the transfer is posted. A member's payees never
wait for approval (only a company's do)."""

import importlib
import re
from decimal import Decimal

import pytest
from django.apps import apps

from identity.models import OtpChallenge
from tests.auth import sign_in
from tests.transfers.test_views import member_data, savings, with_code
from transfers.models import Beneficiary, LimitCategory, MemberLimit, Transfer

pytestmark = pytest.mark.django_db


def input_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else None


@pytest.fixture
def signed_in(client, member_user):
    sign_in(client, member_user.username)
    return client


@pytest.fixture
def small_limit(member_user):
    MemberLimit.objects.create(
        member=member_user.customer,
        category=LimitCategory.MEMBER,
        daily=Decimal("30"),
        weekly=Decimal("100"),
        monthly=Decimal("200"),
    )


def test_the_limit_left_is_told_before_the_form_is_filled(signed_in, member_user, small_limit):
    page = signed_in.get("/transferencias/cooprogreso/").content.decode()
    assert "Tu cupo diario restante es $ 30.00." in page
    interbank = signed_in.get("/transferencias/interbancarias/").content.decode()
    assert "Tu cupo diario restante es $ 3,000.00." in interbank  # the cooperative's maximum
    own = signed_in.get("/transferencias/mis-cuentas/").content.decode()
    assert "cupo" not in own  # between one's own accounts nothing is limited


def test_an_amount_over_the_limit_is_refused_at_the_first_submit(
    signed_in, member_user, outsider, small_limit
):
    data = member_data(member_user, outsider, amount="40.00", email="vecino@example.com")

    page = signed_in.post("/transferencias/cooprogreso/", data).content.decode()

    assert "El monto supera tu cupo diario de $ 30.00: te quedan $ 30.00." in page
    assert 'data-testid="transfer-form"' in page
    assert input_value(page, "amount") == "40.00"
    assert input_value(page, "account_number") == savings(outsider).number
    assert input_value(page, "email") == "vecino@example.com"
    assert input_value(page, "memo") == "Cena"
    assert not OtpChallenge.objects.filter(purpose="transfer").exists()
    assert not Transfer.objects.exists()


def test_the_limit_still_holds_when_the_transfer_is_posted(
    signed_in, member_user, outsider, small_limit
):
    data = member_data(member_user, outsider, amount="25.00")
    dialog = signed_in.post("/transferencias/cooprogreso/confirmar/", data).content.decode()
    assert 'name="otp_digit"' in dialog
    # Another transfer of the same member takes the limit while the code is typed.
    from accounts.models import Channel
    from accounts.registries.operations import Context
    from transfers.services.operations import MEMBER, MemberTransferPayload, transfer_submit

    transfer_submit(
        spec=MEMBER,
        payload=MemberTransferPayload(
            origin=savings(member_user).pk,
            amount=Decimal("10.00"),
            destination=savings(outsider).pk,
        ),
        context=Context(
            user=member_user, member=member_user.customer, channel=Channel.WEB, key="tr-elsewhere"
        ),
        concept="Otra",
    )
    # The code step validates the form again: refused there, before anything moves.
    page = with_code_after(signed_in, data, dialog)
    assert "te quedan $ 20.00" in page
    assert Transfer.objects.count() == 1
    # "Regresar" takes what was typed back to the form (not the code's fields).
    assert '<input type="hidden" name="amount" value="25.00">' in page
    assert 'name="step" value="edit"' in page and 'name="otp_code"' not in page
    back = signed_in.post("/transferencias/cooprogreso/", {**data, "step": "edit"})
    back = back.content.decode()
    assert input_value(back, "amount") == "25.00" and "te quedan $ 20.00" in back


def with_code_after(client, data, dialog) -> str:
    from tests.auth import code_sent

    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    return client.post(
        "/transferencias/cooprogreso/confirmar/",
        {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code_sent()},
    ).content.decode()


def test_guardar_beneficiario_says_the_payee_was_saved(signed_in, member_user, outsider):
    data = member_data(member_user, outsider, save_beneficiary="on", alias="Vecino")
    response = with_code(signed_in, "/transferencias/cooprogreso/confirmar/", data)
    page = signed_in.get(response["Location"]).content.decode()
    assert "Guardamos a Vecino en tus beneficiarios." in page
    assert Beneficiary.objects.get(owner=member_user.customer).approved_at is not None


def test_a_members_payee_never_waits_for_approval(signed_in, member_user, outsider):
    """Saved without a date (the demo's seeded payee did): a member has nobody to approve it, so
    it is shown and offered as any other, and the migration gives it the date it was saved."""
    payee = Beneficiary.objects.create(
        owner=member_user.customer,
        kind=Beneficiary.Kind.MEMBER,
        account=savings(outsider),
        account_number=savings(outsider).number,
        holder_name="VEC*** VEC***",
        alias="Vecino",
    )
    listing = signed_in.get("/beneficiarios/").content.decode()
    assert "Vecino" in listing and "Por aprobar" not in listing
    assert f"/transferencias/cooprogreso/?beneficiario={payee.pk}" in listing
    form = signed_in.get(f"/transferencias/cooprogreso/?beneficiario={payee.pk}").content.decode()
    assert re.search(rf'<option value="{payee.pk}" selected', form)

    migration = importlib.import_module("transfers.migrations.0007_member_payees_approved")
    migration.approve_members_payees(apps, None)
    payee.refresh_from_db()
    assert payee.approved_at == payee.created_at


def test_the_migration_leaves_a_companys_waiting_payee_waiting(company, payee_account):
    payee = Beneficiary.objects.create(
        owner=company.member,
        kind=Beneficiary.Kind.MEMBER,
        account=payee_account,
        account_number=payee_account.number,
        holder_name="PROVEEDOR",
    )
    migration = importlib.import_module("transfers.migrations.0007_member_payees_approved")
    migration.approve_members_payees(apps, None)
    payee.refresh_from_db()
    assert payee.approved_at is None
