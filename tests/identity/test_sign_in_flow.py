import re

import pytest
from django.core import mail
from django.urls import reverse

from identity.models import Notification, OtpChallenge, SignIn, TrustedDevice
from tests.auth import code_sent, sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/ingresar/"
CODE = "/ingresar/codigo/"
DEVICE = "/ingresar/dispositivo/"


def password_ok(client, user, **extra):
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD}, **extra)


def test_the_right_password_alone_does_not_sign_in(client, member_user):
    response = password_ok(client, member_user)
    assert response["Location"] == DEVICE
    assert client.get("/")["Location"].startswith(LOGIN)
    client.post(DEVICE, {"register": "no"})
    page = client.get(CODE).content.decode()
    assert "Factor de seguridad" in page and "El código expira en:" in page
    assert client.get("/")["Location"].startswith(LOGIN)
    assert not SignIn.objects.filter(user=member_user).exists()


def test_the_code_signs_in_and_rotates_the_session(client, member_user):
    password_ok(client, member_user)
    before = client.session.session_key
    client.post(DEVICE, {"register": "no"})
    client.get(CODE)
    response = client.post(CODE, {"otp_code": code_sent()})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session.session_key != before
    assert client.get("/").status_code == 200
    assert SignIn.objects.filter(user=member_user).count() == 1


def test_the_code_message_says_what_it_approves(client, member_user):
    password_ok(client, member_user)
    client.post(DEVICE, {"register": "no"})
    client.get(CODE)
    body = Notification.objects.filter(recipient=member_user.customer.email).latest("id").body
    assert re.fullmatch(
        r"Código \d{6} para ingresar a Cooprogreso en Línea\. No lo compartas\.", body
    )


def test_steps_cannot_be_skipped(client, member_user):
    # Nothing pending: every step sends you to the password.
    for step in ("codigo", "dispositivo", "usuario"):
        response = client.get(f"/ingresar/{step}/")
        assert response["Location"] == LOGIN
    password_ok(client, member_user)
    # Straight to the code while the device question is unanswered: back to the question.
    assert client.get(CODE)["Location"] == DEVICE
    assert client.post(CODE, {"otp_code": "123456"})["Location"] == DEVICE
    assert not OtpChallenge.objects.exists()


def test_five_wrong_codes_kill_the_challenge_and_alert_the_user(client, member_user):
    password_ok(client, member_user)
    client.post(DEVICE, {"register": "no"})
    client.get(CODE)
    right = code_sent()
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        page = client.post(CODE, {"otp_code": wrong}).content.decode()
        told = f"Te quedan {left} intentos." if left > 1 else "Te queda 1 intento."
        assert f"Código incorrecto. {told}" in page
    page = client.post(CODE, {"otp_code": wrong}).content.decode()
    assert "Demasiados intentos fallidos: el código fue anulado." in page
    assert "Volver a empezar" in page
    client.post(CODE, {"otp_code": right})
    assert client.get("/")["Location"].startswith(LOGIN)
    alert = Notification.objects.latest("id")
    assert alert.subject == "Alerta de seguridad"


def test_six_boxes_are_read_as_one_code(client, member_user):
    password_ok(client, member_user)
    client.post(DEVICE, {"register": "no"})
    client.get(CODE)
    response = client.post(CODE, {"otp_digit": list(code_sent())})
    assert response["Location"] == "/"


def test_a_registered_device_skips_the_question_and_a_new_one_gets_a_notice(client, member_user):
    sign_in(client, member_user.username, device_alias="Mi laptop")
    device = TrustedDevice.objects.get(user=member_user)
    assert device.alias == "Mi laptop" and device.ip == "127.0.0.1"
    notices = Notification.objects.filter(subject="Nuevo inicio de sesión")
    assert notices.count() == 1  # this browser was new when it signed in
    client.post(reverse("identity:logout"))

    assert password_ok(client, member_user)["Location"] == CODE
    client.get(CODE)
    client.post(CODE, {"otp_code": code_sent()})
    assert client.get("/").status_code == 200
    assert notices.count() == 1  # a registered device gets no notice


def test_a_device_cookie_of_another_user_is_not_trusted(client, member_user, outsider):
    sign_in(client, member_user.username, device_alias="Mi laptop")
    client.post(reverse("identity:logout"))
    assert password_ok(client, outsider)["Location"] == DEVICE


def test_a_forged_device_cookie_is_ignored(client, member_user):
    client.cookies["dispositivo"] = "token-inventado"
    assert password_ok(client, member_user)["Location"] == DEVICE


def test_the_next_page_is_kept_and_foreign_hosts_are_refused(client, member_user):
    client.post(
        LOGIN,
        {"username": member_user.username, "password": PASSWORD, "next": "/estado-de-cuenta/"},
    )
    client.post(DEVICE, {"register": "no"})
    client.get(CODE)
    assert client.post(CODE, {"otp_code": code_sent()})["Location"] == "/estado-de-cuenta/"
    client.post(reverse("identity:logout"))
    client.post(
        LOGIN,
        {"username": member_user.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    client.post(DEVICE, {"register": "no"})
    client.get(CODE)
    assert client.post(CODE, {"otp_code": code_sent()})["Location"] == "/"


def test_resend_sends_a_new_code_and_the_old_one_dies(client, member_user):
    password_ok(client, member_user)
    client.post(DEVICE, {"register": "no"})
    client.get(CODE)
    first = code_sent()
    client.post(CODE, {"otp_step": "resend"})
    second = code_sent()
    if first != second:
        page = client.post(CODE, {"otp_code": first}).content.decode()
        assert "Código incorrecto" in page
    assert client.post(CODE, {"otp_code": second})["Location"] == "/"


def test_temporary_credentials_expire(client, member_user):
    from datetime import timedelta

    from django.utils import timezone

    member_user.needs_setup = True
    member_user.temporary_expires_at = timezone.now() - timedelta(minutes=1)
    member_user.save()
    page = password_ok(client, member_user).content.decode()
    assert "Tus credenciales temporales caducaron" in page
    assert not OtpChallenge.objects.exists()


def test_wrong_password_messages_do_not_tell_which_part_failed(client, member_user):
    UserFactory(username="otrosocio1", is_active=False)
    for data in (
        {"username": member_user.username, "password": "Mala$123"},
        {"username": "noexiste99", "password": "Mala$123"},
        {"username": "otrosocio1", "password": PASSWORD},
    ):
        page = client.post(LOGIN, data).content.decode()
        assert "Usuario o contraseña incorrectos." in page
    assert mail.outbox == []


def test_codes_per_hour_have_a_ceiling(client, member_user, settings):
    # More in tests/identity/test_code_budgets.py.
    ceiling = settings.OTP_SIGN_IN_CODES_PER_HOUR
    for _ in range(ceiling):
        password_ok(client, member_user)
        client.post(DEVICE, {"register": "no"})
    response = password_ok(client, member_user)  # told at once, before the device step
    assert response["Location"] == LOGIN
    assert f"Ya pediste {ceiling} códigos de ingreso" in client.get(LOGIN).content.decode()
    assert OtpChallenge.objects.filter(user=member_user).count() == ceiling


def test_viewing_the_code_page_sends_nothing(client, member_user):
    password_ok(client, member_user)
    client.post(DEVICE, {"register": "no"})
    for _ in range(3):
        client.get(CODE)
        client.head(CODE)
    assert Notification.objects.filter(subject="Tu código de verificación").count() == 1


def test_a_username_taken_before_the_code_is_a_message_not_an_error(client):
    from identity.services.credentials import temporary_credentials_send

    user = UserFactory()
    temporary_credentials_send(user=user)
    temporary = re.search(
        r"Contraseña temporal: (\S+)", Notification.objects.latest("id").body
    ).group(1)
    client.post(LOGIN, {"username": user.username, "password": temporary})
    client.post("/ingresar/usuario/", {"username": "codiciado1"})
    client.post(
        "/ingresar/contrasena/",
        {"current": temporary, "new": "Nueva$Clave26", "confirm": "Nueva$Clave26"},
    )
    client.post(
        "/ingresar/seguridad/",
        {
            "image": "mapa",
            "question_1": "mascota",
            "answer_1": "Toby",
            "question_2": "escuela",
            "answer_2": "Mejia",
            "question_3": "comida",
            "answer_3": "Fanesca",
        },
    )
    client.post(DEVICE, {"register": "no"})
    UserFactory(username="codiciado1")  # someone else was quicker
    response = client.post(CODE, {"otp_code": code_sent()})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert "ya no está disponible" in client.get(LOGIN).content.decode()
    user.refresh_from_db()
    assert user.needs_setup and user.username != "codiciado1"
