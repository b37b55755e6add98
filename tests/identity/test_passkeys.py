import json
import re

import pytest

from identity.models import Notification, OtpChallenge, Passkey
from tests.auth import code_sent, sign_in
from tests.factories import PASSWORD
from tests.softkey import SoftPasskey

pytestmark = pytest.mark.django_db
ORIGIN = "http://testserver"


def script_json(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1))


def approve_with_code(client, url, data):
    page = client.post(url, data).content.decode()
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', page).group(1)
    return client.post(
        url, {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code_sent()}
    )


@pytest.fixture
def enrolled(client, member_user):
    """A member signed in who registered a passkey (now their default factor)."""
    sign_in(client, member_user.username)
    response = approve_with_code(client, "/perfil/seguridad/llave/", {"name": "Mi teléfono"})
    assert response["Location"] == "/perfil/seguridad/llave/registrar/"
    page = client.get("/perfil/seguridad/llave/registrar/").content.decode()
    key = SoftPasskey()
    credential = key.create(script_json(page, "passkey-creation"), ORIGIN)
    response = client.post("/perfil/seguridad/llave/registrar/", {"credential": credential})
    assert response["Location"] == "/perfil/seguridad/"
    return client, member_user, key


def test_registering_a_passkey_makes_it_the_default_factor(enrolled):
    client, user, _key = enrolled
    user.refresh_from_db()
    assert user.otp_factor == "PASSKEY"
    passkey = Passkey.objects.get(user=user)
    assert passkey.name == "Mi teléfono"
    page = client.get("/perfil/seguridad/").content.decode()
    assert "Llave de acceso registrada" in page and "Mi teléfono" in page


def passkey_sign_in(client, user):
    client.post("/salir/")
    client.post("/ingresar/", {"username": user.username, "password": PASSWORD})
    client.post("/ingresar/dispositivo/", {"register": "no"})
    return client.get("/ingresar/codigo/").content.decode()


def test_sign_in_with_the_passkey(enrolled):
    client, user, key = enrolled
    sent = Notification.objects.count()
    page = passkey_sign_in(client, user)
    assert "Usar llave de acceso" in page
    assert Notification.objects.count() == sent  # nothing sent
    assertion = key.get(script_json(page, "passkey-request"), ORIGIN)
    response = client.post("/ingresar/codigo/", {"otp_step": "verify", "otp_code": assertion})
    assert response["Location"] == "/"
    assert Passkey.objects.get(user=user).sign_count == 1


def test_a_signature_for_another_operation_or_origin_fails(enrolled):
    client, user, key = enrolled
    page = passkey_sign_in(client, user)
    options = script_json(page, "passkey-request")
    forged = key.get({**options, "challenge": "AAAAAAAAAAAAAAAAAAAAAA"}, ORIGIN)
    body = client.post("/ingresar/codigo/", {"otp_code": forged}).content.decode()
    assert "Código incorrecto" in body
    phished = key.get(options, "https://cooprogreso-seguro.example")
    body = client.post("/ingresar/codigo/", {"otp_code": phished}).content.decode()
    assert "Código incorrecto" in body
    assert client.get("/")["Location"].startswith("/ingresar/")


def test_without_the_passkey_at_hand_a_code_can_be_sent_instead(enrolled):
    client, user, _key = enrolled
    passkey_sign_in(client, user)
    page = client.post("/ingresar/codigo/", {"otp_step": "fallback"}).content.decode()
    assert 'name="otp_digit"' in page
    assert OtpChallenge.objects.filter(user=user, status="ANULADO", channel="PASSKEY").exists()
    assert client.post("/ingresar/codigo/", {"otp_code": code_sent()})["Location"] == "/"


def test_the_registration_page_needs_the_code_first(client, member_user):
    sign_in(client, member_user.username)
    assert (
        client.get("/perfil/seguridad/llave/registrar/")["Location"] == "/perfil/seguridad/llave/"
    )


def test_a_tampered_registration_is_refused(client, member_user):
    sign_in(client, member_user.username)
    approve_with_code(client, "/perfil/seguridad/llave/", {"name": "Mi teléfono"})
    page = client.get("/perfil/seguridad/llave/registrar/").content.decode()
    options = script_json(page, "passkey-creation")
    credential = SoftPasskey().create({**options, "challenge": "AAAAAAAAAAAAAAAAAAAAAA"}, ORIGIN)
    body = client.post("/perfil/seguridad/llave/registrar/", {"credential": credential})
    assert "No se pudo registrar la llave de acceso." in body.content.decode()
    assert not Passkey.objects.exists()


def test_removing_the_passkey_returns_to_email_codes(enrolled):
    client, user, key = enrolled
    passkey = Passkey.objects.get(user=user)
    url = f"/perfil/seguridad/llave/{passkey.pk}/eliminar/"
    page = client.post(url, {}).content.decode()
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', page).group(1)
    assertion = key.get(script_json(page, "passkey-request"), ORIGIN)
    response = client.post(
        url, {"otp_step": "verify", "otp_challenge": challenge, "otp_code": assertion}
    )
    assert response["Location"] == "/perfil/seguridad/"
    user.refresh_from_db()
    assert user.otp_factor == "EMAIL" and not Passkey.objects.exists()
