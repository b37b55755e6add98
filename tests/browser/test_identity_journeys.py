"""Identity journeys clicked through as a person would: enrolment and the first sign-in wizard,
lock-out and self-service unlock, a forgotten password, removing a registered device, enrolling
an authenticator app and the idle-session dialog.

Codes and temporary credentials are read from the e-mails the portal sends: the outbox row
(``identity.models.Notification``) and, once delivered, the test mailbox (the row's copy of a
code or credentials is erased on delivery)."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import type_code

PASSWORD = "Demo$2026abc"  # the published demo password (seed_demo)
NEW_PASSWORD = "Nueva$Clave26"

LUCIA_ID = "1710034065"
LUCIA_EMAIL = "lucia.paredes@example.com"
ANDRES_ID = "1714307103"  # sociodemo1
ANDRES_EMAIL = "andres.lopez@example.com"
MARIA_ID = "1713175071"  # sociodemo2
MARIA_EMAIL = "maria.ontaneda@example.com"


# --- helpers ---------------------------------------------------------------------------------


CODE_SUBJECT = "Tu código de verificación"
CREDENTIALS_SUBJECT = "Tus credenciales temporales de Cooprogreso en Línea"
RESET_SUBJECT = "Tu contraseña temporal de Cooprogreso en Línea"


def email_body(recipient: str, subject: str) -> str:
    """The latest e-mail with this subject to ``recipient``, as the person reads it: the
    delivered message (the outbox row's copy of codes and credentials is erased on delivery),
    or the outbox row while it waits."""
    from django.core import mail

    from identity.models import Notification

    row = Notification.objects.filter(recipient=recipient, subject=subject).order_by("-id").first()
    assert row is not None, f"no se envió «{subject}» a {recipient}"
    for message in reversed(mail.outbox):
        if message.subject == subject and message.to == [recipient]:
            return message.body
    return row.body


def code_for(recipient: str) -> str:
    from tests.auth import code_sent

    return code_sent(recipient)


def password_form(page, username: str, password: str) -> None:
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Ingresar").click()


def sign_in_to_position(page, live_server, username, password, *, recipient) -> None:
    """The whole sign-in for a browser this user did not register: password, device "No",
    the e-mailed code."""
    page.goto(f"{live_server.url}/ingresar/")
    password_form(page, username, password)
    page.wait_for_url("**/ingresar/dispositivo/")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continuar").click()
    page.wait_for_url("**/ingresar/codigo/")
    type_code(page, code_for(recipient))
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Posición consolidada")).to_be_visible()


def identification_form(page, identification: str, username: str | None = None) -> None:
    page.get_by_label("Tipo de identificación").select_option(label="Cédula")
    page.get_by_label("Ingresa tu número de identificación").fill(identification)
    if username is not None:
        page.get_by_label("Ingresa tu usuario", exact=True).fill(username)
    page.get_by_role("button", name="Continuar").click()


# --- 1. Enrolment, first sign-in wizard, sign-in from the registered browser -----------------


def test_enrolment_first_sign_in_wizard_and_sign_in(page, live_server, demo, console_errors):
    page.goto(f"{live_server.url}/ingresar/")
    page.get_by_role("link", name="Regístrate").click()
    expect(page.get_by_role("heading", name="Regístrate")).to_be_visible()
    identification_form(page, LUCIA_ID)

    page.wait_for_url("**/registro/terminos/")
    expect(page.get_by_role("heading", name="Términos y condiciones")).to_be_visible()
    boxes = page.get_by_role("checkbox")
    expect(boxes).to_have_count(2)
    for i in range(2):
        boxes.nth(i).check()
    page.get_by_role("button", name="Aceptar").click()

    page.wait_for_url("**/registro/codigo/")
    expect(page.get_by_role("heading", name="Factor de seguridad")).to_be_visible()
    type_code(page, code_for(LUCIA_EMAIL))
    result = page.get_by_test_id("flow-result")
    expect(result).to_contain_text("correo electrónico registrado")
    # Checked at the end, so one wrong sentence does not hide the rest of the journey.
    enrolment_result = result.inner_text()

    body = email_body(LUCIA_EMAIL, CREDENTIALS_SUBJECT)
    temp_username = re.search(r"Usuario temporal: (\S+)", body).group(1)
    temp_password = re.search(r"Contraseña temporal: (\S+)", body).group(1)

    result.get_by_role("link", name="Aceptar").click()
    page.wait_for_url("**/ingresar/")
    password_form(page, temp_username, temp_password)

    # The texts were accepted at enrolment: the wizard starts with the username.
    page.wait_for_url("**/ingresar/usuario/")
    expect(page.get_by_role("heading", name="Personaliza tu nombre de usuario")).to_be_visible()
    expect(page.get_by_label("Anterior nombre de usuario")).to_have_value(temp_username)
    page.get_by_label("Nuevo nombre de usuario").fill("lucia2026")
    page.get_by_role("button", name="Continuar").click()

    page.wait_for_url("**/ingresar/contrasena/")
    expect(page.get_by_role("heading", name="Actualizar contraseña")).to_be_visible()
    page.get_by_label("Ingresa tu contraseña actual o temporal").fill(temp_password)
    page.get_by_label("Nueva contraseña").fill("abc")
    page.get_by_label("Confirmar contraseña").fill("abc")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text("La longitud permitida es de 8 a 15 caracteres.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/ingresar/contrasena/$"))
    page.get_by_label("Ingresa tu contraseña actual o temporal").fill(temp_password)
    page.get_by_label("Nueva contraseña").fill(NEW_PASSWORD)
    page.get_by_label("Confirmar contraseña").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Confirmar").click()

    page.wait_for_url("**/ingresar/seguridad/")
    page.get_by_label("Guitarra").check()
    questions = ["mascota", "escuela", "comida"]
    for i, question in enumerate(questions, start=1):
        page.get_by_label(f"Pregunta {i}").select_option(question)
        page.get_by_label(f"Respuesta {i}").fill(f"respuesta {i}")
    page.get_by_role("button", name="Continuar").click()

    page.wait_for_url("**/ingresar/dispositivo/")
    page.get_by_label("Sí, guardar").check()
    page.get_by_label("Alias del dispositivo").fill("Mi laptop")
    page.get_by_role("button", name="Continuar").click()

    page.wait_for_url("**/ingresar/codigo/")
    expect(page.get_by_text("Ingresa el código de verificación enviado a lu")).to_be_visible()
    assert "para configurar tus credenciales" in email_body(LUCIA_EMAIL, CODE_SUBJECT)
    type_code(page, code_for(LUCIA_EMAIL))
    expect(page.get_by_role("heading", name="Credenciales configuradas con éxito")).to_be_visible()
    page.get_by_role("link", name="Ingresar").click()

    # The old temporary credentials are gone; the new ones work from the registered browser.
    page.wait_for_url("**/ingresar/")
    password_form(page, "lucia2026", NEW_PASSWORD)
    page.wait_for_url("**/ingresar/*/")
    assert page.url.endswith("/ingresar/codigo/"), page.url  # no device prompt this time
    type_code(page, code_for(LUCIA_EMAIL))
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("header .who")).to_have_text(
        re.compile("Lucía Fernanda Paredes Mora", re.IGNORECASE)
    )

    # Self-enrolment without staff approval (the default) sent the credentials right away, so
    # the result must say so, not that the request waits for approval.
    assert "Revisa tu correo electrónico registrado en Cooprogreso" in enrolment_result, (
        enrolment_result
    )


# --- 2. Three wrong passwords lock the user; unlocking it oneself -----------------------------


def test_three_bad_passwords_lock_and_self_service_unlock(
    page, live_server, sign_in, console_errors
):
    page.goto(f"{live_server.url}/ingresar/")
    for attempt in range(3):
        password_form(page, "sociodemo2", f"Incorrecta${attempt}")
        if attempt < 2:
            expect(page.get_by_role("alert")).to_contain_text("Usuario o contraseña incorrectos.")
    expect(page.get_by_role("heading", name="Tu usuario está bloqueado")).to_be_visible()

    # Still locked with the right password.
    page.goto(f"{live_server.url}/ingresar/")
    password_form(page, "sociodemo2", PASSWORD)
    expect(page.get_by_role("heading", name="Tu usuario está bloqueado")).to_be_visible()
    # The lock-out page answers 429 (django-axes), which Chromium logs as a failed load: that
    # one is expected; anything else the page logged is not.
    too_many = "the server responded with a status of 429 (Too Many Requests)"
    assert console_errors and all(too_many in error for error in console_errors), console_errors
    console_errors.clear()

    page.get_by_role("link", name="Desbloquear tu usuario").click()
    expect(page.get_by_role("heading", name="Desbloquear tu usuario")).to_be_visible()
    identification_form(page, MARIA_ID, "sociodemo2")
    page.wait_for_url("**/desbloquear/codigo/")
    type_code(page, code_for(MARIA_EMAIL))
    expect(page.get_by_test_id("flow-result")).to_contain_text("Tu usuario fue desbloqueado")

    sign_in("sociodemo2")
    expect(page.locator("header .who")).to_have_text(re.compile("María Fernanda", re.IGNORECASE))


# --- 3. Forgotten password --------------------------------------------------------------------


def test_forgot_password_temporary_password_then_new_one(page, live_server, demo, console_errors):
    page.goto(f"{live_server.url}/ingresar/")
    page.get_by_role("link", name="Olvidé mi contraseña").click()
    expect(page.get_by_role("heading", name="Recuperar contraseña")).to_be_visible()
    identification_form(page, ANDRES_ID, "sociodemo1")

    page.wait_for_url("**/olvide-contrasena/imagen/")
    page.get_by_label("Estrella").check()
    page.get_by_role("button", name="Continuar").click()

    page.wait_for_url("**/olvide-contrasena/codigo/")
    type_code(page, code_for(ANDRES_EMAIL))
    expect(page.get_by_test_id("flow-result")).to_contain_text(
        "Enviamos una contraseña temporal a tu correo electrónico registrado"
    )
    body = email_body(ANDRES_EMAIL, RESET_SUBJECT)
    temporary = re.search(r"Tu contraseña temporal es: (\S+)", body).group(1)

    # The old password no longer works.
    page.goto(f"{live_server.url}/ingresar/")
    password_form(page, "sociodemo1", PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("Usuario o contraseña incorrectos.")

    password_form(page, "sociodemo1", temporary)
    page.wait_for_url("**/ingresar/contrasena/")
    expect(page.get_by_role("heading", name="Actualizar contraseña")).to_be_visible()
    page.get_by_label("Ingresa tu contraseña actual o temporal").fill(temporary)
    page.get_by_label("Nueva contraseña").fill(NEW_PASSWORD)
    page.get_by_label("Confirmar contraseña").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Confirmar").click()

    page.wait_for_url("**/ingresar/dispositivo/")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continuar").click()
    page.wait_for_url("**/ingresar/codigo/")
    type_code(page, code_for(ANDRES_EMAIL))
    expect(page.get_by_role("heading", name="Credenciales configuradas con éxito")).to_be_visible()

    sign_in_to_position(page, live_server, "sociodemo1", NEW_PASSWORD, recipient=ANDRES_EMAIL)


def test_forgot_password_wrong_image_leads_to_a_code_that_never_comes(
    page, live_server, demo, console_errors
):
    """A wrong picture looks like a right one (the screens must not tell), but no code is sent
    and none passes, so no temporary password either."""
    from identity.models import Notification

    page.goto(f"{live_server.url}/ingresar/")
    page.get_by_role("link", name="Olvidé mi contraseña").click()
    identification_form(page, ANDRES_ID, "sociodemo1")
    page.wait_for_url("**/olvide-contrasena/imagen/")
    page.get_by_label("Guitarra").check()
    page.get_by_role("button", name="Continuar").click()

    page.wait_for_url("**/olvide-contrasena/codigo/")
    expect(
        page.get_by_text(
            "Por favor, ingresa el código de seguridad enviado a tus medios de notificación."
        )
    ).to_be_visible()
    assert not Notification.objects.filter(recipient=ANDRES_EMAIL).exists()
    type_code(page, "123456")
    expect(page.get_by_test_id("otp-error")).to_have_text(
        "Código incorrecto. Te quedan 4 intentos."
    )
    assert not Notification.objects.filter(recipient=ANDRES_EMAIL, subject=RESET_SUBJECT).exists()


# --- 4. Removing a registered device ---------------------------------------------------------


def test_device_detail_and_removal_with_code(page, live_server, sign_in, console_errors):
    sign_in(device_alias="Oficina")
    page.get_by_role("navigation", name="Menú principal").get_by_role("link", name="Perfil").click()
    page.get_by_role("link", name="Dispositivos").click()
    devices = page.get_by_test_id("devices")
    row = devices.get_by_role("row", name=re.compile("Oficina"))
    expect(row).to_contain_text("Este dispositivo")

    row.get_by_role("link", name="Ver detalle").click()
    detail = page.get_by_test_id("device-detail")
    expect(detail).to_be_visible()
    expect(detail.locator("dt", has_text="Marca")).to_be_visible()
    expect(detail.locator("dt", has_text="IP")).to_be_visible()
    expect(detail).to_contain_text("Oficina")
    detail.get_by_role("button", name="Cerrar").click()
    expect(detail).to_have_count(0)

    row.get_by_role("link", name="Eliminar").click()
    expect(page.get_by_role("heading", name="Eliminar dispositivo")).to_be_visible()
    page.get_by_label("Motivo").fill("Ya no uso esta computadora")
    page.get_by_role("button", name="Sí, eliminar").click()
    dialog = page.get_by_test_id("otp-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Para eliminar el dispositivo Oficina")
    type_code(page, code_for(ANDRES_EMAIL))

    page.wait_for_url("**/perfil/dispositivos/")
    expect(page.get_by_role("status")).to_contain_text("El proceso se ha realizado con éxito.")
    expect(page.get_by_text("Oficina")).to_have_count(0)
    expect(page.get_by_text("No tienes dispositivos registrados.")).to_be_visible()


# --- 5. Authenticator app ----------------------------------------------------------------------


def test_enrol_authenticator_app_and_sign_in_with_it(page, live_server, sign_in, console_errors):
    sign_in()
    page.get_by_role("navigation", name="Menú principal").get_by_role("link", name="Perfil").click()
    page.get_by_role("link", name="Seguridad").click()
    expect(page.get_by_test_id("default-factor")).to_contain_text("Correo electrónico")
    page.get_by_role("link", name="Agregar aplicación autenticadora").click()
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_test_id("otp-dialog")).to_be_visible()
    type_code(page, code_for(ANDRES_EMAIL))

    page.wait_for_url("**/perfil/seguridad/autenticador/qr/")
    expect(
        page.get_by_role("img", name="Código QR para tu aplicación autenticadora")
    ).to_be_visible()
    totp = pyotp.TOTP(page.get_by_test_id("totp-secret").inner_text().strip())
    enrolled_at = time.time()
    page.get_by_label("Código de la aplicación").fill(totp.at(enrolled_at))
    page.get_by_role("button", name="Validar").click()

    page.wait_for_url("**/perfil/seguridad/")
    expect(page.get_by_role("status")).to_contain_text("Aplicación autenticadora agregada")
    expect(page.get_by_test_id("default-factor")).to_contain_text(
        "Tus códigos llegan por: Aplicación autenticadora"
    )
    expect(page.get_by_role("link", name="Eliminar aplicación autenticadora")).to_be_visible()

    page.get_by_role("button", name="Salir").click()
    page.wait_for_url("**/ingresar/")
    password_form(page, "sociodemo1", PASSWORD)
    page.wait_for_url("**/ingresar/dispositivo/")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continuar").click()
    page.wait_for_url("**/ingresar/codigo/")
    expect(
        page.get_by_text("Ingresa el código de 6 dígitos que muestra tu aplicación autenticadora.")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Reenviar")).to_have_count(0)

    # django-otp takes each 30-second step once; the app's next code is within its tolerance.
    type_code(page, totp.at(enrolled_at + 30))
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Posición consolidada")).to_be_visible()


# --- 6. Idle session ------------------------------------------------------------------------

IDLE_SECONDS = 10  # the page's own timer: 10 s less the server's write interval (0.5 s)
WARNING_SECONDS = 6  # so the dialog comes about 3 s after the last activity


@pytest.fixture
def short_idle(settings):
    settings.SESSION_IDLE_SECONDS = IDLE_SECONDS
    settings.SESSION_IDLE_WARNING_SECONDS = WARNING_SECONDS


def test_idle_dialog_keeps_the_session_or_ends_it(
    page, live_server, short_idle, sign_in, console_errors
):
    # The page's clock runs at its natural pace until the end, where it is moved forward.
    from identity.middleware import touch_every

    page.clock.install()
    sign_in()
    signed_in_at = time.time()  # the last request the server counted as activity
    dialog = page.get_by_role("alertdialog", name="¿Sigues ahí?")
    expect(dialog).to_be_visible(timeout=IDLE_SECONDS * 1000)
    expect(dialog).to_contain_text("tu sesión se cerrará por inactividad en")
    dialog.get_by_role("button", name="Seguir conectado").click()
    expect(dialog).to_have_count(0)

    # Past the idle limit counted from the sign-in, within it counted from "Seguir conectado".
    time.sleep(max(0.0, signed_in_at + IDLE_SECONDS + 1 - time.time()))
    page.reload()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Posición consolidada")).to_be_visible()

    # Nobody answers this time: when the countdown ends the session is over. The page's timer
    # runs short of the server's limit by the server's write interval (context processor), so
    # in real time the end races the server's own limit; moving the page's clock forward makes
    # the countdown end while the server would still keep the session, as it usually is.
    page_seconds = max(1, int(IDLE_SECONDS - touch_every()))
    warn_after = max(1, page_seconds - WARNING_SECONDS)
    page.clock.run_for(warn_after * 1000 + 200)
    expect(dialog).to_be_visible()
    with page.expect_navigation():
        page.clock.run_for((WARNING_SECONDS + 2) * 1000)
    expect(page).to_have_url(re.compile(r"/ingresar/$"))
    expect(page.get_by_label("Usuario")).to_be_visible()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/ingresar/\?next=/$"))
