"""The session key changes when what the sign-in is worth changes (password, factors, devices),
never on an ordinary confirmed operation: the member's other tabs stay signed in."""

import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver

from identity.services.otp import REAUTHENTICATING_PURPOSES
from identity.views.otp import OtpConfirmView
from tests.auth import code_sent, sign_in
from tests.factories import PASSWORD
from tests.identity.test_profile import NEW, ask_code
from tests.transfers.test_views import member_data, savings, with_code
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, member_user):
    sign_in(client, member_user.username)
    return client


def session_key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def other_tab(client) -> Client:
    """Another tab of the same browser: the same session cookie."""
    tab = Client()
    tab.cookies[settings.SESSION_COOKIE_NAME] = session_key(client)
    return tab


def test_a_confirmed_transfer_keeps_the_session_key(signed_in, member_user, outsider):
    before = session_key(signed_in)
    tab = other_tab(signed_in)
    response = with_code(
        signed_in, "/transferencias/cooprogreso/confirmar/", member_data(member_user, outsider)
    )
    assert response["Location"] == f"/transferencias/{Transfer.objects.get().pk}/"
    assert session_key(signed_in) == before
    # The member's other tab is still signed in.
    assert tab.get("/transferencias/").status_code == 200


def test_a_password_change_gives_the_session_a_new_key(signed_in, member_user):
    before = session_key(signed_in)
    data = {"current": PASSWORD, "new": NEW, "confirm": NEW}
    challenge, code = ask_code(signed_in, "/perfil/contrasena/", data)
    response = signed_in.post(
        "/perfil/contrasena/",
        {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code},
    )
    assert response["Location"] == "/perfil/"
    assert session_key(signed_in) != before
    assert signed_in.get("/perfil/").status_code == 200  # still signed in, on the new key
    stale = Client()
    stale.cookies[settings.SESSION_COOKIE_NAME] = before
    assert stale.get("/perfil/")["Location"].startswith("/ingresar/")


def test_a_username_change_gives_the_session_a_new_key(signed_in):
    before = session_key(signed_in)
    challenge, code = ask_code(signed_in, "/perfil/usuario/", {"username": "nuevonombre1"})
    response = signed_in.post(
        "/perfil/usuario/",
        {
            "username": "nuevonombre1",
            "otp_step": "verify",
            "otp_challenge": challenge,
            "otp_code": code,
        },
    )
    assert response["Location"] == "/perfil/"
    assert session_key(signed_in) != before
    assert signed_in.get("/perfil/").status_code == 200


def test_a_saved_payee_keeps_the_session_key(signed_in, member_user, outsider):
    before = session_key(signed_in)
    data = {"account_number": savings(outsider).number, "alias": "V", "key": str(uuid.uuid4())}
    response = with_code(signed_in, "/beneficiarios/nuevo/cooprogreso/", data)
    assert response["Location"] == "/beneficiarios/?tab=cooprogreso"
    assert session_key(signed_in) == before
    assert code_sent()  # the code really was asked for


def _confirm_views():
    """Every code-confirmed view the portal routes to, with its purpose."""
    found = {}

    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns)
                continue
            view_class = getattr(pattern.callback, "view_class", None)
            if view_class is not None and issubclass(view_class, OtpConfirmView):
                kwargs = pattern.callback.view_initkwargs
                found[view_class] = kwargs.get("otp_purpose", view_class.otp_purpose)

    walk(get_resolver().url_patterns)
    return found


def test_the_security_changes_of_perfil_are_exactly_the_purposes_that_rotate_the_key():
    views = _confirm_views()
    assert len(views) > 20  # the walk found the portal's confirm views
    security = {p for v, p in views.items() if v.__module__ == "identity.views.profile"}
    # A new security change in Perfil must be named in REAUTHENTICATING_PURPOSES (or here,
    # with why it does not rotate); a renamed purpose must not silently stop rotating.
    assert security == REAUTHENTICATING_PURPOSES
    operations = {p for v, p in views.items() if v.__module__ != "identity.views.profile"}
    assert {"transfer", "card_payment", "payroll_pay", "order_approve", "limits"} <= operations
    assert not operations & REAUTHENTICATING_PURPOSES
