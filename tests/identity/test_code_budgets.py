"""Issue 13: the hourly budgets of codes sent. Sign-in codes and operation codes are counted
apart, each is a setting, and the person is told (with the time another may be asked for)
before the step that would send one: the sign-in page before the password from their
registered browser, and the operation's page instead of its confirm button."""

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.models import Notification, OtpChallenge
from identity.services.otp import (
    BUDGET_OPERATION,
    BUDGET_SIGN_IN,
    SIGN_IN_PURPOSE,
    OtpError,
    challenge_fallback,
    challenge_resend,
    challenge_start,
    code_budget,
)
from tests.auth import code_sent, sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/ingresar/"
OPERATION = "/perfil/usuario/"  # an operation page of the profile (OtpConfirmView)


def spend(user, purpose: str, times: int) -> None:
    for n in range(times):
        challenge_start(user=user, purpose=purpose, operation={"n": n}, description="probar")


def sent(user, budget: str) -> int:
    return Notification.objects.filter(user=user, budget=budget).count()


def no_csrf(html: str) -> str:
    """The page without its per-response tokens (CSRF in the form and htmx's headers)."""
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "TOKEN", html)


def test_spent_operation_codes_do_not_stop_signing_in(client, member_user, settings):
    spend(member_user, "transfer", settings.OTP_OPERATION_CODES_PER_HOUR)
    with pytest.raises(OtpError, match="códigos para confirmar operaciones"):
        spend(member_user, "transfer", 1)
    response = sign_in(client, member_user.username)
    assert response["Location"] == "/"
    assert sent(member_user, BUDGET_SIGN_IN) == 1
    assert sent(member_user, BUDGET_OPERATION) == settings.OTP_OPERATION_CODES_PER_HOUR


def test_spent_sign_in_codes_do_not_stop_operations(member_user, settings):
    spend(member_user, SIGN_IN_PURPOSE, settings.OTP_SIGN_IN_CODES_PER_HOUR)
    with pytest.raises(OtpError, match="códigos de ingreso"):
        spend(member_user, SIGN_IN_PURPOSE, 1)
    spend(member_user, "password_change", 1)
    spend(member_user, "transfer", 1)
    assert sent(member_user, BUDGET_OPERATION) == 2


def test_each_budget_is_a_setting(member_user):
    with override_settings(OTP_SIGN_IN_CODES_PER_HOUR=2, OTP_OPERATION_CODES_PER_HOUR=3):
        spend(member_user, SIGN_IN_PURPOSE, 2)
        spend(member_user, "transfer", 3)
        with pytest.raises(OtpError, match="Ya pediste 2 códigos de ingreso"):
            spend(member_user, SIGN_IN_PURPOSE, 1)
        with pytest.raises(OtpError, match="Ya pediste 3 códigos para confirmar operaciones"):
            spend(member_user, "transfer", 1)
    with override_settings(OTP_SIGN_IN_CODES_PER_HOUR=4):
        spend(member_user, SIGN_IN_PURPOSE, 2)  # a higher ceiling: two more
    assert sent(member_user, BUDGET_SIGN_IN) == 4


@override_settings(OTP_OPERATION_CODES_PER_HOUR=3)
def test_a_resend_is_a_code_sent_and_counts(member_user):
    challenge = challenge_start(
        user=member_user, purpose="transfer", operation={}, description="probar"
    )
    challenge_resend(challenge_id=challenge.pk, user=member_user)
    challenge_resend(challenge_id=challenge.pk, user=member_user)
    with pytest.raises(OtpError, match="Ya pediste 3 códigos"):
        challenge_resend(challenge_id=challenge.pk, user=member_user)
    with pytest.raises(OtpError, match="Ya pediste 3 códigos"):
        spend(member_user, "transfer", 1)


@override_settings(OTP_OPERATION_CODES_PER_HOUR=2)
def test_the_message_says_when_another_code_may_be_asked_for(member_user):
    spend(member_user, "transfer", 2)
    first = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=25)
    rows = Notification.objects.filter(user=member_user).order_by("id")
    for minutes, row in enumerate(rows):
        Notification.objects.filter(pk=row.pk).update(created_at=first + timedelta(minutes=minutes))
    expected = f"{timezone.localtime(first + timedelta(hours=1)):%H:%M}"
    with pytest.raises(OtpError) as refused:
        spend(member_user, "transfer", 1)
    assert refused.value.message == (
        "Ya pediste 2 códigos para confirmar operaciones en la última hora. "
        f"Podrás pedir otro a las {expected}."
    )
    # An hour after the first, one more may be sent.
    Notification.objects.filter(pk=rows[0].pk).update(created_at=first - timedelta(minutes=40))
    spend(member_user, "transfer", 1)


@override_settings(OTP_SIGN_IN_CODES_PER_HOUR=1, OTP_OPERATION_CODES_PER_HOUR=1)
def test_app_codes_and_passkeys_send_nothing_and_count_against_nothing(member_user):
    TOTPDevice.objects.create(user=member_user, name="App", confirmed=True)
    member_user.otp_factor = "TOTP"
    member_user.save(update_fields=["otp_factor"])
    for purpose in (SIGN_IN_PURPOSE, "transfer"):
        spend(member_user, purpose, 4)
    assert OtpChallenge.objects.filter(user=member_user, channel="TOTP").count() == 8
    assert code_budget(user=member_user, purpose="transfer").used == 0
    # Falling back to a sent code does count; once spent, the app's challenge stays usable.
    app = OtpChallenge.objects.filter(user=member_user, purpose="transfer").latest("id")
    email = challenge_fallback(challenge_id=app.pk, user=member_user)
    assert email.channel == "EMAIL"
    again = challenge_start(user=member_user, purpose="transfer", operation={}, description="x")
    with pytest.raises(OtpError, match="Ya pediste 1 código para confirmar operaciones"):
        challenge_fallback(challenge_id=again.pk, user=member_user)
    again.refresh_from_db()
    assert again.status == OtpChallenge.Status.PENDING


def test_recovery_codes_count_against_neither_budget(member_user, settings):
    spend(member_user, "forgot_password", 3)
    assert code_budget(user=member_user, purpose=SIGN_IN_PURPOSE).used == 0
    assert code_budget(user=member_user, purpose="transfer").used == 0


# --- Signing in: told before the password -------------------------------------------------------


@pytest.fixture
def registered_browser(client, member_user):
    """The member's own browser (device cookie), signed out again."""
    sign_in(client, member_user.username, device_alias="Mi laptop")
    client.post("/salir/")
    return client


def test_the_members_browser_says_it_before_the_password(registered_browser, member_user):
    ceiling = 5
    with override_settings(OTP_SIGN_IN_CODES_PER_HOUR=ceiling):
        spend(member_user, SIGN_IN_PURPOSE, ceiling - 1)  # signing in sent the first
        page = registered_browser.get(LOGIN).content.decode()
    first = Notification.objects.filter(user=member_user, budget=BUDGET_SIGN_IN).earliest("id")
    at = first.created_at + timedelta(hours=1)
    if at.second or at.microsecond:
        at += timedelta(minutes=1)
    notice = re.search(r'data-testid="code-budget">([^<]+)<', page).group(1)
    assert notice == (
        "Ya pediste 5 códigos de ingreso en la última hora. "
        f"Podrás pedir otro a las {timezone.localtime(at):%H:%M}."
    )
    # It comes before the password field.
    assert page.index('data-testid="code-budget"') < page.index('name="password"')


def test_the_members_browser_says_nothing_while_codes_remain(registered_browser, member_user):
    spend(member_user, SIGN_IN_PURPOSE, 2)
    assert 'data-testid="code-budget"' not in registered_browser.get(LOGIN).content.decode()


def test_after_the_right_password_nothing_else_is_asked(client, member_user, settings):
    spend(member_user, SIGN_IN_PURPOSE, settings.OTP_SIGN_IN_CODES_PER_HOUR)
    response = client.post(LOGIN, {"username": member_user.username, "password": PASSWORD})
    assert response["Location"] == LOGIN  # not the device step, not the code
    page = client.get(LOGIN).content.decode()
    ceiling = settings.OTP_SIGN_IN_CODES_PER_HOUR
    assert page.count(f"Ya pediste {ceiling} códigos de ingreso en la última hora.") == 1
    assert "Podrás pedir otro a las " in page
    assert OtpChallenge.objects.filter(user=member_user).count() == ceiling


def test_a_first_sign_in_is_told_before_choosing_a_password(client, settings):
    from identity.services.credentials import temporary_credentials_send

    user = UserFactory(accepted_terms=False)
    temporary_credentials_send(user=user)
    password = re.search(
        r"Contraseña temporal: (\S+)", Notification.objects.latest("id").body
    ).group(1)
    spend(user, SIGN_IN_PURPOSE, settings.OTP_SIGN_IN_CODES_PER_HOUR)
    response = client.post(LOGIN, {"username": user.username, "password": password})
    assert response["Location"] == LOGIN  # not the terms, username or password steps
    assert "códigos de ingreso" in client.get(LOGIN).content.decode()
    user.refresh_from_db()
    assert user.needs_setup


def test_a_stranger_learns_nothing_about_usernames(member_user, settings):
    """From a browser nobody registered, the sign-in page is the same for a username whose
    budget is spent and one that does not exist, before and after a wrong password."""
    spend(member_user, SIGN_IN_PURPOSE, settings.OTP_SIGN_IN_CODES_PER_HOUR)
    stranger = Client()
    assert 'data-testid="code-budget"' not in stranger.get(LOGIN).content.decode()
    pages = []
    for username in (member_user.username, "noexiste99"):
        response = stranger.post(LOGIN, {"username": username, "password": "Mala$123"})
        assert response.status_code == 200
        pages.append(no_csrf(response.content.decode()).replace(username, "USUARIO"))
    assert pages[0] == pages[1]
    assert "Usuario o contraseña incorrectos." in pages[0] and "Ya pediste" not in pages[0]


def test_another_members_browser_shows_nothing_of_this_one(client, member_user, outsider):
    sign_in(client, outsider.username, device_alias="Su laptop")
    client.post("/salir/")
    spend(member_user, SIGN_IN_PURPOSE, 5)
    assert 'data-testid="code-budget"' not in client.get(LOGIN).content.decode()


@override_settings(OTP_SIGN_IN_CODES_PER_HOUR=1)
def test_the_code_page_offers_no_resend_once_spent(client, member_user):
    client.post(LOGIN, {"username": member_user.username, "password": PASSWORD})
    client.post("/ingresar/dispositivo/", {"register": "no"})
    page = client.get("/ingresar/codigo/").content.decode()
    assert "Ya pediste 1 código de ingreso en la última hora." in page
    assert 'value="resend"' not in page
    # The code already sent still signs in.
    response = client.post("/ingresar/codigo/", {"otp_code": code_sent()})
    assert response["Location"] == "/"


# --- Operations: told on the page, instead of the confirm button --------------------------------


@pytest.fixture
def signed_in(client, member_user):
    sign_in(client, member_user.username)
    return client


def test_the_operation_page_says_it_instead_of_the_confirm_button(signed_in, member_user):
    with override_settings(OTP_OPERATION_CODES_PER_HOUR=2):
        page = signed_in.get(OPERATION).content.decode()
        assert 'data-testid="code-budget"' not in page and "Confirmar</button>" in page
        spend(member_user, "transfer", 2)
        page = signed_in.get(OPERATION).content.decode()
        assert "Ya pediste 2 códigos para confirmar operaciones en la última hora." in page
        assert "Podrás pedir otro a las " in page
        assert "Confirmar</button>" not in page
        # Sent anyway (a page opened before): refused with the same words, once, no code.
        before = OtpChallenge.objects.count()
        page = signed_in.post(OPERATION, {"username": "nuevo2026"}).content.decode()
        assert page.count("Ya pediste 2 códigos para confirmar operaciones") == 1
        assert "Factor de seguridad" not in page and "Confirmar</button>" not in page
        assert OtpChallenge.objects.count() == before


def test_the_operation_page_with_an_app_factor_is_never_capped(signed_in, member_user):
    spend(member_user, "transfer", 10)
    TOTPDevice.objects.create(user=member_user, name="App", confirmed=True)
    member_user.otp_factor = "TOTP"
    member_user.save(update_fields=["otp_factor"])
    page = signed_in.get(OPERATION).content.decode()
    assert 'data-testid="code-budget"' not in page and "Confirmar</button>" in page


def test_a_transfer_review_says_the_codes_are_spent_before_confirmar(client, member_user, settings):
    from accounts.models import Account, Product
    from tests.factories import AccountFactory, UserFactory

    payee = AccountFactory(owner=UserFactory().customer, product=Product.SAVINGS)
    origin = Account.objects.filter(owner=member_user.customer, product=Product.SAVINGS).first()
    sign_in(client, member_user.username)
    data = {
        "account_number": payee.number,
        "origin": origin.pk,
        "amount": "5.00",
        "key": str(uuid.uuid4()),
    }
    review = client.post("/transferencias/cooprogreso/", data).content.decode()
    assert "Confirmar</button>" in review and 'data-testid="code-budget"' not in review

    spend(member_user, "transfer", settings.OTP_OPERATION_CODES_PER_HOUR)
    review = client.post("/transferencias/cooprogreso/", data).content.decode()
    assert 'data-testid="code-budget"' in review
    assert "códigos para confirmar operaciones en la última hora" in review
    assert "Confirmar</button>" not in review and "Regresar" in review


def test_the_limits_page_says_the_codes_are_spent_instead_of_guardar(client, member_user, settings):
    sign_in(client, member_user.username)
    page = client.get("/transferencias/cupos/").content.decode()
    assert 'data-testid="code-budget"' not in page and "Guardar</button>" in page
    spend(member_user, "transfer", settings.OTP_OPERATION_CODES_PER_HOUR)
    page = client.get("/transferencias/cupos/").content.decode()
    assert 'data-testid="code-budget"' in page and "Guardar</button>" not in page
