"""Registro biométrico on the web: a passkey registered and used to sign in, in Chromium with a
virtual platform authenticator (fingerprint always accepted)."""

from tests.auth import code_sent
from tests.browser.conftest import type_code


def test_register_a_passkey_and_sign_in_with_it(page, live_server, sign_in, console_errors):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    sign_in()
    page.get_by_role("link", name="Perfil", exact=True).click()
    page.get_by_role("link", name="Seguridad").click()
    page.get_by_role("link", name="Registrar llave de acceso").click()
    page.get_by_label("Nombre de la llave").fill("Mi laptop")
    page.get_by_role("button", name="Continuar").click()
    page.get_by_test_id("otp-dialog").wait_for()
    type_code(page, code_sent())
    page.wait_for_url("**/perfil/seguridad/llave/registrar/")
    page.get_by_role("button", name="Registrar llave de acceso").click()
    page.wait_for_url("**/perfil/seguridad/")
    assert "Llave de acceso registrada" in page.inner_text("main")
    assert "Mi laptop" in page.get_by_test_id("passkeys").inner_text()

    page.get_by_role("button", name="Salir").click()
    page.get_by_label("Usuario").fill("sociodemo1")
    page.get_by_label("Contraseña").fill("Demo$2026abc")
    page.get_by_role("button", name="Ingresar").click()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continuar").click()
    page.wait_for_url("**/ingresar/codigo/")
    page.get_by_role("button", name="Usar llave de acceso").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "Última conexión" in page.inner_text("header")
