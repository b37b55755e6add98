import re
import time

import pyotp
import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.models import (
    AuditEvent,
    Notification,
    OtpChallenge,
    SecurityAnswer,
    TrustedDevice,
    User,
)
from tests.auth import code_sent, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
NEW = "Nueva$Clave26"


@pytest.fixture
def signed_in(client, member_user):
    sign_in(client, member_user.username)
    return client


def ask_code(client, url, data, **extra):
    """Submits the operation's form; returns the dialog and the code the outbox got."""
    response = client.post(url, data, **extra)
    assert "Factor de seguridad" in response.content.decode(), response.content.decode()[:500]
    challenge = re.search(r'name="otp_challenge" value="(\d+)"', response.content.decode()).group(1)
    return challenge, code_sent()


def test_password_change_with_code_closes_other_sessions(signed_in, member_user):
    elsewhere = Client()
    sign_in(elsewhere, member_user.username)
    assert elsewhere.get("/").status_code == 200
    data = {"current": PASSWORD, "new": NEW, "confirm": NEW}
    challenge, code = ask_code(signed_in, "/perfil/contrasena/", data)
    member_user.refresh_from_db()
    assert check_password(PASSWORD, member_user.password)  # nothing yet
    response = signed_in.post(
        "/perfil/contrasena/",
        {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code},
    )
    assert response["Location"] == "/perfil/"
    assert "Contraseña actualizada" in signed_in.get("/perfil/").content.decode()
    member_user.refresh_from_db()
    assert check_password(NEW, member_user.password)
    assert elsewhere.get("/")["Location"].startswith("/ingresar/")
    assert Notification.objects.filter(subject="Tu contraseña fue actualizada").exists()
    # The challenge keeps no usable trace of the new password.
    row = OtpChallenge.objects.values().get(pk=challenge)
    assert NEW not in str(row)


def test_a_code_for_one_username_does_not_approve_another(signed_in, member_user):
    challenge, code = ask_code(signed_in, "/perfil/usuario/", {"username": "nuevonombre1"})
    page = signed_in.post(
        "/perfil/usuario/",
        {
            "username": "otronombre22",
            "otp_step": "verify",
            "otp_challenge": challenge,
            "otp_code": code,
        },
    ).content.decode()
    assert "El código no corresponde a esta operación" in page
    member_user.refresh_from_db()
    assert member_user.username not in {"nuevonombre1", "otronombre22"}
    # Nor does the dead challenge pass for the original data afterwards.
    page = signed_in.post(
        "/perfil/usuario/",
        {
            "username": "nuevonombre1",
            "otp_step": "verify",
            "otp_challenge": challenge,
            "otp_code": code,
        },
    ).content.decode()
    assert "ya no es válido" in page


def test_username_change(signed_in, member_user):
    challenge, code = ask_code(signed_in, "/perfil/usuario/", {"username": "nuevonombre1"})
    signed_in.post(
        "/perfil/usuario/",
        {
            "username": "nuevonombre1",
            "otp_step": "verify",
            "otp_challenge": challenge,
            "otp_code": code,
        },
    )
    member_user.refresh_from_db()
    assert member_user.username == "nuevonombre1"
    event = AuditEvent.objects.get(action="security.username")
    assert event.before == {"username": event.before["username"]} and event.after == {
        "username": "nuevonombre1"
    }


def test_htmx_form_errors_stay_in_the_form_and_the_dialog_goes_to_the_modal(signed_in):
    bad = signed_in.post("/perfil/usuario/", {"username": "MAL"}, HTTP_HX_REQUEST="true")
    assert bad["HX-Retarget"] == "#op-form" and "solo letras minúsculas" in bad.content.decode()
    assert "<html" not in bad.content.decode()
    good = signed_in.post("/perfil/usuario/", {"username": "nuevonombre1"}, HTTP_HX_REQUEST="true")
    assert good["HX-Retarget"] == "#modal" and 'name="otp_digit"' in good.content.decode()


def test_a_challenge_of_another_user_is_useless(signed_in, member_user, outsider):
    other = Client()
    sign_in(other, outsider.username)
    challenge, code = ask_code(other, "/perfil/usuario/", {"username": "ajeno123456"})
    page = signed_in.post(
        "/perfil/usuario/",
        {
            "username": "ajeno123456",
            "otp_step": "verify",
            "otp_challenge": challenge,
            "otp_code": code,
        },
    ).content.decode()
    assert "El código no es válido" in page
    assert not User.objects.filter(username="ajeno123456").exists()


def test_devices_list_detail_and_delete(client, member_user, outsider):
    sign_in(client, member_user.username, device_alias="Mi laptop")
    device = TrustedDevice.objects.get(user=member_user)
    page = client.get("/perfil/dispositivos/").content.decode()
    assert "Mi laptop" in page and "Este dispositivo" in page
    detail = client.get(f"/perfil/dispositivos/{device.pk}/", HTTP_HX_REQUEST="true")
    assert "Versión sistema operativo" in detail.content.decode()
    assert "<html" not in detail.content.decode()

    other = Client()
    sign_in(other, outsider.username)
    assert other.get(f"/perfil/dispositivos/{device.pk}/").status_code == 404
    assert (
        other.post(f"/perfil/dispositivos/{device.pk}/eliminar/", {"reason": "x"}).status_code
        == 404
    )

    missing_reason = client.post(
        f"/perfil/dispositivos/{device.pk}/eliminar/", {"device": device.pk}
    )
    assert "Ingresa el motivo" in missing_reason.content.decode()
    data = {"device": device.pk, "reason": "Lo vendí"}
    challenge, code = ask_code(client, f"/perfil/dispositivos/{device.pk}/eliminar/", data)
    response = client.post(
        f"/perfil/dispositivos/{device.pk}/eliminar/",
        {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code},
    )
    assert response["Location"] == "/perfil/dispositivos/"
    page = client.get("/perfil/dispositivos/").content.decode()
    assert "El proceso se ha realizado con éxito." in page and "Mi laptop" not in page
    device.refresh_from_db()
    assert device.removed_at is not None and device.removal_reason == "Lo vendí"


def test_totp_enrolment_then_sign_in_with_the_app(signed_in, member_user, client):
    assert (
        signed_in.get("/perfil/seguridad/autenticador/qr/")["Location"]
        == "/perfil/seguridad/autenticador/"
    )
    challenge, code = ask_code(signed_in, "/perfil/seguridad/autenticador/", {})
    response = signed_in.post(
        "/perfil/seguridad/autenticador/",
        {"otp_step": "verify", "otp_challenge": challenge, "otp_code": code},
    )
    assert response["Location"] == "/perfil/seguridad/autenticador/qr/"
    page = signed_in.get(response["Location"]).content.decode()
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    totp = pyotp.TOTP(secret)
    wrong_code = "000000" if totp.now() != "000000" else "111111"
    wrong = signed_in.post("/perfil/seguridad/autenticador/qr/", {"code": wrong_code})
    assert "El código no es correcto" in wrong.content.decode()
    # django-otp makes the app wait a moment after a failure; a person takes longer than that.
    TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    enrolled = totp.now()
    response = signed_in.post("/perfil/seguridad/autenticador/qr/", {"code": enrolled})
    assert response["Location"] == "/perfil/seguridad/"
    member_user.refresh_from_db()
    assert member_user.otp_factor == "TOTP"

    # Signing in now asks for the app's code; nothing is sent.
    signed_in.post("/salir/")
    sent_before = Notification.objects.count()
    signed_in.post("/ingresar/", {"username": member_user.username, "password": PASSWORD})
    signed_in.post("/ingresar/dispositivo/", {"register": "no"})
    page = signed_in.get("/ingresar/codigo/").content.decode()
    assert "aplicación autenticadora" in page
    assert Notification.objects.count() == sent_before
    # The code already used at enrolment cannot pass again, and the person is told why; the
    # next one (within django-otp's one-step tolerance) does.
    page = signed_in.post("/ingresar/codigo/", {"otp_code": wrong_code}).content.decode()
    assert "Código incorrecto" in page and "ya se usó" not in page
    TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    page = signed_in.post("/ingresar/codigo/", {"otp_code": enrolled}).content.decode()
    assert "Ese código de la aplicación ya se usó: espera el siguiente" in page
    TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    response = signed_in.post("/ingresar/codigo/", {"otp_code": totp.at(time.time() + 30)})
    assert response["Location"] == "/"


def test_security_questions_change(signed_in, member_user):
    data = {
        "image": "mapa",
        "question_1": "libro",
        "answer_1": "Cien años de soledad",
        "question_2": "calle",
        "answer_2": "Olmedo",
        "question_3": "amigo",
        "answer_3": "Pedro",
    }
    challenge, code = ask_code(signed_in, "/perfil/seguridad/preguntas/", data)
    signed_in.post(
        "/perfil/seguridad/preguntas/",
        {**data, "otp_step": "verify", "otp_challenge": challenge, "otp_code": code},
    )
    member_user.refresh_from_db()
    assert member_user.security_image == "mapa"
    assert set(
        SecurityAnswer.objects.filter(user=member_user).values_list("question", flat=True)
    ) == {
        "libro",
        "calle",
        "amigo",
    }
    page = signed_in.get("/perfil/seguridad/").content.decode()
    assert "Cambio de imagen y preguntas de seguridad" in page


def test_security_activity_and_accepted_terms(signed_in, member_user):
    page = signed_in.get("/perfil/seguridad/").content.decode()
    assert "Actividad de seguridad" in page and "Inicio de sesión" in page
    terms = signed_in.get("/perfil/terminos/").content.decode()
    assert "Términos y Condiciones Canales Digitales" in terms and "versión 1" in terms


def test_profile_pages_need_a_session(client):
    for url in ("/perfil/", "/perfil/contrasena/", "/perfil/dispositivos/", "/perfil/seguridad/"):
        assert client.get(url)["Location"].startswith("/ingresar/")


def test_guessing_the_current_password_locks_like_sign_in(signed_in, member_user):
    data = {"current": "Adivina$123", "new": NEW, "confirm": NEW}
    for _ in range(2):
        page = signed_in.post("/perfil/contrasena/", data).content.decode()
        assert "La contraseña actual no es correcta." in page
    locked = signed_in.post("/perfil/contrasena/", data)
    assert locked.status_code == 429 and "Tu usuario está bloqueado" in locked.content.decode()
    assert signed_in.get("/")["Location"].startswith("/ingresar/")
    again = signed_in.post("/ingresar/", {"username": member_user.username, "password": PASSWORD})
    assert "Tu usuario está bloqueado" in again.content.decode()


def test_passwords_are_not_echoed_into_the_code_dialog(signed_in):
    data = {"current": PASSWORD, "new": NEW, "confirm": NEW}
    for extra in ({}, {"HTTP_HX_REQUEST": "true"}):
        html = signed_in.post("/perfil/contrasena/", data, **extra).content.decode()
        assert 'name="otp_digit"' in html
        assert NEW not in html and PASSWORD not in html


def test_signing_out_says_so_on_the_sign_in_page_as_a_success(signed_in):
    response = signed_in.post("/salir/", follow=True)

    page = response.content.decode()
    assert response.request["PATH_INFO"] == "/ingresar/"
    assert '<li class="msg success">Cerraste tu sesión de forma segura.</li>' in page
