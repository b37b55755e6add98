import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import Account, Product
from tests.auth import code_sent, sign_in
from tests.factories import AccountFactory
from transfers.models import Beneficiary, Institution, LimitCategory, MemberLimit, Transfer
from transfers.services.holders import holder_name_masked

pytestmark = pytest.mark.django_db


def savings(user):
    return Account.objects.filter(owner=user.customer, product=Product.SAVINGS).first()


@pytest.fixture
def signed_in(client, member_user):
    sign_in(client, member_user.username)
    return client


def with_code(client, url, data, **extra):
    """The confirm button, then the code from the outbox, as the dialog sends them."""
    dialog = client.post(url, data, **extra).content.decode()
    assert 'name="otp_digit"' in dialog, dialog[:600]
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    return client.post(
        url,
        {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code_sent()},
        **extra,
    )


def test_own_transfer_review_confirm_and_receipt_without_code(signed_in, member_user):
    shares = AccountFactory(owner=member_user.customer, product=Product.SHARES)
    data = {
        "origin": savings(member_user).pk,
        "destination": shares.pk,
        "amount": "35.00",
        "memo": "Ahorro",
        "key": str(uuid.uuid4()),
    }
    review = signed_in.post("/transferencias/mis-cuentas/", data).content.decode()
    assert "Verifica que todos los datos estén correctos" in review and "$ 35.00" in review
    assert not Transfer.objects.exists()
    response = signed_in.post("/transferencias/mis-cuentas/", {**data, "step": "confirm"})
    transfer = Transfer.objects.get()
    assert response["Location"] == f"/transferencias/{transfer.pk}/"
    page = signed_in.get(response["Location"]).content.decode()
    assert "¡Transferencia exitosa!" in page and transfer.transaction.receipt_number in page
    # The same confirm again (double click, reload): the first receipt, nothing posted twice.
    again = signed_in.post("/transferencias/mis-cuentas/", {**data, "step": "confirm"})
    assert again["Location"] == response["Location"] and Transfer.objects.count() == 1
    assert savings(member_user).balance == Decimal("465.00")


def member_data(member_user, outsider, **extra):
    return {
        "account_number": savings(outsider).number,
        "origin": savings(member_user).pk,
        "amount": "20.00",
        "memo": "Cena",
        "key": str(uuid.uuid4()),
        **extra,
    }


def test_member_transfer_with_code_and_saved_beneficiary(signed_in, member_user, outsider):
    holder = signed_in.get(
        "/transferencias/cooprogreso/validar/",
        {"account_number": savings(outsider).number},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    masked = holder_name_masked(outsider.customer.full_name)
    assert masked in holder and outsider.customer.full_name not in holder and "<html" not in holder
    data = member_data(
        member_user, outsider, save_beneficiary="on", alias="Vecino", email="vecino@example.com"
    )
    review = signed_in.post("/transferencias/cooprogreso/", data).content.decode()
    assert masked in review and outsider.customer.full_name not in review
    assert "Total a debitar" in review
    response = with_code(signed_in, "/transferencias/cooprogreso/confirmar/", data)
    transfer = Transfer.objects.get()
    assert response["Location"] == f"/transferencias/{transfer.pk}/"
    assert transfer.kind == Transfer.Kind.MEMBER and savings(outsider).balance == Decimal("520.00")
    beneficiary = Beneficiary.objects.get(owner=member_user.customer)
    assert beneficiary.alias == "Vecino" and transfer.beneficiary == beneficiary
    # The code message said what it approved.
    from identity.models import Notification

    message = Notification.objects.filter(subject="Tu código de verificación").latest("id")
    first_name = masked.split()[0]
    last_four = savings(outsider).number[-4:]
    assert f"para transferir $ 20.00 a {first_name} ****{last_four}" in message.body


def test_a_code_for_one_amount_does_not_approve_another(signed_in, member_user, outsider):
    data = member_data(member_user, outsider)
    dialog = signed_in.post("/transferencias/cooprogreso/confirmar/", data).content.decode()
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    page = signed_in.post(
        "/transferencias/cooprogreso/confirmar/",
        {
            **data,
            "amount": "200.00",
            "otp_step": "verify",
            "otp_challenge": challenge,
            "otp_code": code_sent(),
        },
    ).content.decode()
    assert "El código no corresponde a esta operación" in page
    assert not Transfer.objects.exists() and savings(member_user).balance == Decimal("500.00")


def test_replayed_confirm_shows_the_first_receipt(signed_in, member_user, outsider):
    data = member_data(member_user, outsider)
    first = with_code(signed_in, "/transferencias/cooprogreso/confirmar/", data)
    again = signed_in.post(
        "/transferencias/cooprogreso/confirmar/",
        {**data, "otp_step": "verify", "otp_challenge": "1", "otp_code": "000000"},
    )
    assert again["Location"] == first["Location"] and Transfer.objects.count() == 1


def test_unknown_account_and_own_account_messages(signed_in, member_user):
    page = signed_in.post(
        "/transferencias/cooprogreso/",
        {
            "account_number": "999999999",
            "origin": savings(member_user).pk,
            "amount": "5",
            "key": str(uuid.uuid4()),
        },
    ).content.decode()
    assert "No existe una cuenta activa con ese número." in page
    page = signed_in.post(
        "/transferencias/cooprogreso/",
        {
            "account_number": savings(member_user).number,
            "origin": savings(member_user).pk,
            "amount": "5",
            "key": str(uuid.uuid4()),
        },
    ).content.decode()
    assert "Para tus propias cuentas" in page


@pytest.mark.parametrize(
    "amount, message",
    [
        ("0", "mayor a $ 0.00"),
        ("-3", "mayor a $ 0.00"),
        ("1.234", "dos decimales"),
        ("abc", "monto válido"),
        ("9000", "Fondos insuficientes"),
    ],
)
def test_bad_amounts_get_a_message(signed_in, member_user, outsider, amount, message):
    page = signed_in.post(
        "/transferencias/cooprogreso/", member_data(member_user, outsider, amount=amount)
    ).content.decode()
    assert message in page and "Verifica que todos los datos" not in page


def interbank_data(member_user, **extra):
    return {
        "institution": Institution.objects.get(code="0032").pk,
        "account_type": "AHORROS",
        "account_number": "2200123456",
        "holder_name": "Fanny Ontaneda",
        "id_type": "CEDULA",
        "identification": "1710034065",
        "origin": savings(member_user).pk,
        "amount": "100.00",
        "memo": "Pago proveedor",
        "key": str(uuid.uuid4()),
        **extra,
    }


def test_interbank_shows_fee_and_vat_and_posts_after_the_code(signed_in, member_user):
    data = interbank_data(member_user)
    review = signed_in.post("/transferencias/interbancarias/", data).content.decode()
    assert "$ 0.36" in review and "$ 0.05" in review and "$ 100.41" in review
    with_code(signed_in, "/transferencias/interbancarias/confirmar/", data)
    transfer = Transfer.objects.get()
    assert transfer.status in {Transfer.Status.PENDING, Transfer.Status.CREDITED}
    assert transfer.to_name == "FANNY ONTANEDA"
    assert savings(member_user).balance == Decimal("399.59")


def test_interbank_identification_check_digits(signed_in, member_user):
    page = signed_in.post(
        "/transferencias/interbancarias/", interbank_data(member_user, identification="1710034066")
    ).content.decode()
    assert "La cédula no es válida" in page
    page = signed_in.post(
        "/transferencias/interbancarias/",
        interbank_data(member_user, id_type="RUC", identification="1790085782001"),
    ).content.decode()
    assert "El RUC no es válido" in page


def test_other_members_data_is_a_404(signed_in, member_user, outsider):
    other = Client()
    sign_in(other, outsider.username)
    with_code(
        other,
        "/transferencias/cooprogreso/confirmar/",
        member_data(outsider, member_user, save_beneficiary="on"),
    )
    theirs = Transfer.objects.get(member=outsider.customer)
    beneficiary = Beneficiary.objects.get(owner=outsider.customer)
    assert signed_in.get(f"/transferencias/{theirs.pk}/").status_code == 404
    assert (
        signed_in.get(f"/transferencias/cooprogreso/?beneficiario={beneficiary.pk}").status_code
        == 404
    )
    assert signed_in.get(f"/beneficiarios/{beneficiary.pk}/editar/").status_code == 404
    assert signed_in.post(f"/beneficiarios/{beneficiary.pk}/eliminar/").status_code == 404
    # A beneficiary of someone else posted into a transfer form is refused as not a choice.
    page = signed_in.post(
        "/transferencias/cooprogreso/",
        member_data(member_user, outsider, beneficiary=beneficiary.pk),
    ).content.decode()
    assert "Verifica que todos los datos" not in page


def test_beneficiary_edit_and_delete_with_code(signed_in, member_user, outsider):
    with_code(
        signed_in,
        "/transferencias/cooprogreso/confirmar/",
        member_data(member_user, outsider, save_beneficiary="on", alias="Vecino"),
    )
    beneficiary = Beneficiary.objects.get()
    listing = signed_in.get("/beneficiarios/?tab=cooprogreso").content.decode()
    assert "Vecino" in listing and "Transferir" in listing
    search = signed_in.get(
        "/beneficiarios/", {"q": "nadie"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Ningún beneficiario coincide" in search and "<html" not in search
    with_code(
        signed_in,
        f"/beneficiarios/{beneficiary.pk}/editar/",
        {"alias": "Vecino Juan", "email": "juan@example.com"},
    )
    beneficiary.refresh_from_db()
    assert beneficiary.alias == "Vecino Juan"
    with_code(signed_in, f"/beneficiarios/{beneficiary.pk}/eliminar/", {})
    beneficiary.refresh_from_db()
    assert beneficiary.deleted_at is not None
    assert "Vecino Juan" not in signed_in.get("/beneficiarios/").content.decode()


def test_limits_personalisation_with_code_and_within_maximums(signed_in, member_user):
    data = {
        "COOPROGRESO_daily": "200.00",
        "COOPROGRESO_weekly": "500.00",
        "COOPROGRESO_monthly": "1000.00",
        "INTERBANCARIA_daily": "100.00",
        "INTERBANCARIA_weekly": "300.00",
        "INTERBANCARIA_monthly": "600.00",
    }
    too_much = signed_in.post("/transferencias/cupos/", {**data, "COOPROGRESO_daily": "99999"})
    assert "no puede superar $ 5,000.00" in too_much.content.decode()
    upside_down = signed_in.post("/transferencias/cupos/", {**data, "COOPROGRESO_weekly": "100"})
    assert "El cupo diario no puede superar el semanal" in upside_down.content.decode()
    with_code(signed_in, "/transferencias/cupos/", data)
    limit = MemberLimit.objects.get(member=member_user.customer, category=LimitCategory.MEMBER)
    assert (limit.daily, limit.weekly, limit.monthly) == (
        Decimal("200"),
        Decimal("500"),
        Decimal("1000"),
    )


def test_a_replay_after_the_money_is_gone_still_shows_the_first_receipt(
    signed_in, member_user, outsider
):
    data = member_data(member_user, outsider, amount="499.00")
    first = with_code(signed_in, "/transferencias/cooprogreso/confirmar/", data)
    # The balance no longer covers it: the re-post is still the first transfer, not an error.
    again = signed_in.post(
        "/transferencias/cooprogreso/confirmar/",
        {**data, "otp_step": "verify", "otp_challenge": "1", "otp_code": "000000"},
    )
    assert again["Location"] == first["Location"] and Transfer.objects.count() == 1


def test_a_code_covers_the_whole_payee(signed_in, member_user):
    data = interbank_data(member_user)
    dialog = signed_in.post("/transferencias/interbancarias/confirmar/", data).content.decode()
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', dialog).group(1)
    page = signed_in.post(
        "/transferencias/interbancarias/confirmar/",
        {
            **data,
            "holder_name": "Otro Nombre",
            "otp_step": "verify",
            "otp_challenge": challenge,
            "otp_code": code_sent(),
        },
    ).content.decode()
    assert "El código no corresponde a esta operación" in page
    assert not Transfer.objects.exists()


def test_company_logins_cannot_move_company_money_alone(client):
    from identity.models import Member
    from tests.factories import UserFactory

    user = UserFactory(customer__kind=Member.Kind.COMPANY)
    AccountFactory(owner=user.customer)
    sign_in(client, user.username)
    for url in (
        "/transferencias/",
        "/transferencias/cooprogreso/",
        "/beneficiarios/",
        "/transferencias/cupos/",
    ):
        assert client.get(url).status_code == 403, url


def test_odd_query_strings_and_reused_keys(signed_in, member_user, outsider):
    assert signed_in.get("/transferencias/cooprogreso/?beneficiario=abc").status_code == 404
    data = member_data(member_user, outsider)
    with_code(signed_in, "/transferencias/cooprogreso/confirmar/", data)
    # The same form brought back with another amount: refused, nothing sent or posted.
    response = signed_in.post("/transferencias/cooprogreso/", {**data, "amount": "50.00"})
    assert response.status_code == 302
    assert (
        "ya fue registrada con otros datos" in signed_in.get(response["Location"]).content.decode()
    )
    assert Transfer.objects.count() == 1
    # A broken key is a message and a fresh key, not a silent form.
    page = signed_in.post("/transferencias/cooprogreso/", {**data, "key": "x"}).content.decode()
    assert "La operación expiró" in page


def test_holder_lookups_are_limited(signed_in, outsider):
    from django.conf import settings

    url = "/transferencias/cooprogreso/validar/"
    for _ in range(settings.TRANSFER_HOLDER_LOOKUPS_PER_HOUR):
        assert signed_in.get(url, {"account_number": savings(outsider).number}).status_code == 200
    refused = signed_in.get(url, {"account_number": savings(outsider).number})
    assert (
        refused.status_code == 429 and outsider.customer.full_name not in refused.content.decode()
    )


def test_a_lowered_cooperative_maximum_applies_at_once(signed_in, member_user, outsider):
    from transfers.models import CooperativeLimit

    with_code(
        signed_in, "/transferencias/cooprogreso/confirmar/", member_data(member_user, outsider)
    )
    CooperativeLimit.objects.filter(category=LimitCategory.MEMBER).update(daily=Decimal("30"))
    page = signed_in.post(
        "/transferencias/cooprogreso/", member_data(member_user, outsider, amount="20.00")
    ).content.decode()
    assert "cupo diario de $ 30.00: te quedan $ 10.00" in page


def test_share_certificates_are_not_an_origin(member_user, outsider):
    from tests.transfers.test_orders import order
    from transfers.services.orders import TransferError, member_transfer

    shares = AccountFactory(owner=member_user.customer, product=Product.SHARES)
    from tests.factories import deposit

    deposit(shares, "100.00")
    with pytest.raises(TransferError, match="Elige una de tus cuentas como origen"):
        member_transfer(
            order=order(member_user, "10", origin=shares), destination=savings(outsider)
        )


def test_a_payee_that_cannot_be_saved_leaves_the_transfer_and_says_so(
    signed_in, member_user, outsider, monkeypatch
):
    """ "Guardar beneficiario" runs after the money moved: if it is refused, the receipt is
    shown with a warning — the person is not sent back to transfer again."""
    from transfers.services import beneficiaries
    from transfers.services.orders import TransferError

    def refuse(**kwargs):
        raise TransferError("Ya tienes demasiados beneficiarios.")

    monkeypatch.setattr(beneficiaries, "beneficiary_member_save", refuse)
    data = member_data(member_user, outsider, save_beneficiary="on", alias="Vecino")

    response = with_code(signed_in, "/transferencias/cooprogreso/confirmar/", data)

    transfer = Transfer.objects.get()
    assert response["Location"] == f"/transferencias/{transfer.pk}/"
    page = signed_in.get(response["Location"]).content.decode()
    assert "No se guardó el beneficiario: Ya tienes demasiados beneficiarios." in page
    assert "¡Transferencia exitosa!" in page and not Beneficiary.objects.exists()


def test_a_member_is_offered_the_limits_page(signed_in):
    page = signed_in.get("/transferencias/").content.decode()

    assert 'data-testid="limits-link"' in page
