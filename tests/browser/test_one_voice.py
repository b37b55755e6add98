"""One voice, clicked through: a session that ends for inactivity lands on the sign-in page
saying so, and the FAQ sends a person to the portal's own options (registration, unlocking, a
forgotten password or user) instead of an agency, on a desktop and on a phone."""

import re

import pytest
from playwright.sync_api import expect

IDLE_SECONDS = 10
WARNING_SECONDS = 6


@pytest.fixture
def short_idle(settings):
    settings.SESSION_IDLE_SECONDS = IDLE_SECONDS
    settings.SESSION_IDLE_WARNING_SECONDS = WARNING_SECONDS


def test_the_idle_countdown_lands_on_the_sign_in_page_saying_why(
    page, live_server, short_idle, sign_in, console_errors
):
    from identity.middleware import touch_every

    page.clock.install()
    sign_in()
    dialog = page.get_by_role("alertdialog", name="¿Sigues ahí?")
    page_seconds = max(1, int(IDLE_SECONDS - touch_every()))
    page.clock.run_for(max(1, page_seconds - WARNING_SECONDS) * 1000 + 200)
    expect(dialog).to_be_visible()
    with page.expect_navigation():
        page.clock.run_for((WARNING_SECONDS + 2) * 1000)
    expect(page).to_have_url(re.compile(r"/ingresar/$"))
    status = page.get_by_role("status")
    expect(status).to_have_text(
        "Tu sesión se cerró por inactividad. Ingresa de nuevo para continuar."
    )
    expect(page.get_by_text("Cerraste tu sesión")).to_have_count(0)
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/ingresar/\?next=/$"))


def test_signing_out_says_the_person_closed_the_session(page, sign_in, console_errors):
    sign_in()
    page.get_by_role("button", name="Salir").click()
    expect(page.get_by_role("status")).to_have_text("Cerraste tu sesión de forma segura.")


@pytest.mark.parametrize("width", [1366, 390])
def test_the_faq_sends_people_to_the_portals_own_options(
    page, live_server, demo, console_errors, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/soporte/preguntas-frecuentes/")
    faq = page.get_by_test_id("faq")
    expect(faq).not_to_contain_text("agencia")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for question, link in (
        ("¿Cómo me registro en la banca en línea?", "Regístrate"),
        ("Mi usuario está bloqueado, ¿cómo lo desbloqueo?", "Desbloquear tu usuario"),
        ("Olvidé mi contraseña, ¿qué hago?", "Olvidé mi contraseña"),
        ("Olvidé mi usuario, ¿cómo lo recupero?", "Olvidé mi usuario"),
    ):
        item = faq.locator("details").filter(has_text=question)
        item.locator("summary").click()
        expect(item.get_by_role("link", name=link)).to_be_visible()
    faq.get_by_role("link", name="Regístrate").click()
    expect(page).to_have_url(re.compile(r"/registro/$"))
    expect(page.get_by_role("heading", name="Regístrate")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
