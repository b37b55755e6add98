"""WCAG 2.2 AA as a person with a screen reader, a keyboard or a phone meets the portal: axe-core
finds no serious or critical barrier on the journeys' pages in the light and dark themes, at
1366 px and at 390 px, with the receipt and code dialogs open; dialogs take the focus, keep it,
close with Escape and give it back; a failed submit puts the focus on its errors; signing in
with a code, a transfer with a code and an approval work with the keyboard alone."""

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.auth import code_sent
from tests.browser.a11y import assert_accessible

pytestmark = pytest.mark.axe_explicit

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
LOOKS = [
    ("desktop", DESKTOP, "light"),
    ("desktop", DESKTOP, "dark"),
    ("phone", PHONE, "light"),
    ("phone", PHONE, "dark"),
]


def audit_everywhere(page, url: str) -> None:
    """The page at ``url`` in both themes, on a desktop and on a phone."""
    for size_name, size, theme in LOOKS:
        page.set_viewport_size(size)
        page.evaluate(f"() => localStorage.setItem('theme', '{theme}')")
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("data-theme", theme)
        assert_accessible(page, f"{url} ({theme}, {size_name})")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} runs {overflow} px off a {size['width']} px screen"


def active(page) -> str:
    """What has the focus, as a screen reader would name it ("" while a new page loads)."""
    try:
        return _active(page)
    except PlaywrightError:  # the key opened another page: read it once it is there
        page.wait_for_load_state()
        return _active(page)


def _active(page) -> str:
    return page.evaluate(
        """() => { const el = document.activeElement;
        return (el.getAttribute('aria-label') || el.labels?.[0]?.textContent || el.textContent
                || el.value || '').replace(/\\s+/g, ' ').trim(); }"""
    )


def tab_to(page, name: str | re.Pattern, limit: int = 60) -> None:
    """Presses Tab until the focused control is called ``name`` (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        here = active(page)
        if name.search(here) if isinstance(name, re.Pattern) else here == name:
            return
    raise AssertionError(f"Tab never reached {name!r} (last: {active(page)!r})")


def test_signed_out_pages_are_accessible(page, live_server, demo):
    page.goto(f"{live_server.url}/ingresar/")
    for path in (
        "/ingresar/",
        "/registro/",
        "/olvide-usuario/",
        "/desbloquear/",
        "/olvide-contrasena/",
    ):
        audit_everywhere(page, f"{live_server.url}{path}")


def test_a_members_pages_are_accessible(page, live_server, sign_in):
    sign_in()
    base = live_server.url
    movements = page.get_by_role("link", name="Ver movimientos").first.get_attribute("href")
    for path in (
        "/",
        movements,
        "/estado-de-cuenta/",
        "/transferencias/",
        "/transferencias/cooprogreso/",
        "/transferencias/interbancarias/",
        "/beneficiarios/",
        "/transferencias/cupos/",
        "/perfil/",
        "/perfil/seguridad/",
        "/soporte/",
    ):
        audit_everywhere(page, f"{base}{path}")


def register_order(page, live_server, sign_in, memo: str) -> str:
    """An ingresador's order waiting for signatures (with the mouse); its page's address."""
    from tests.browser.conftest import enter_code

    sign_in("empingresa01")
    page.goto(f"{live_server.url}/transferencias/cooprogreso/")
    page.get_by_label("Número de cuenta").fill("410101038642")
    page.get_by_label("Cuenta origen").select_option(index=1)
    page.get_by_label("Monto").fill("31.00")
    page.get_by_label("Descripción (opcional)").fill(memo)
    page.get_by_role("button", name="Continuar").click()
    page.get_by_role("button", name="Confirmar").click()
    enter_code(page)
    expect(page.get_by_test_id("order-status")).to_have_text("Pendiente")
    return page.url


def test_each_company_roles_pages_are_accessible(page, live_server, sign_in):
    base = live_server.url
    order = register_order(page, live_server, sign_in, "Auditoría de accesibilidad")
    for path in ("/empresa/pagos-masivos/", "/transferencias/", "/transferencias/interbancarias/"):
        audit_everywhere(page, f"{base}{path}")
    page.get_by_role("button", name="Salir").click()

    sign_in("empautoriza01")
    for path in ("/empresa/autorizar/", order, f"{order}autorizar/", f"{order}rechazar/"):
        audit_everywhere(page, path if path.startswith("http") else f"{base}{path}")
    audit_everywhere(page, f"{base}/empresa/consultas/")
    page.get_by_role("button", name="Salir").click()

    sign_in("empadmin01")
    for path in ("/empresa/usuarios/", "/empresa/niveles-de-firma/", "/empresa/auditoria/"):
        audit_everywhere(page, f"{base}{path}")


def test_the_receipt_dialog_takes_keeps_and_returns_the_focus(page, live_server, sign_in):
    sign_in()
    page.get_by_role("link", name="Ver movimientos").first.click()
    opener = page.get_by_test_id("movements").locator("a[hx-get]").first
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_accessible_name(re.compile(r"\w"))
    page.wait_for_function(
        "() => document.getElementById('modal').contains(document.activeElement)"
    )
    for look, _size, theme in LOOKS[:2]:
        page.evaluate(f"() => document.documentElement.setAttribute('data-theme', '{theme}')")
        assert_accessible(page, f"receipt dialog ({theme}, {look})")
    for _ in range(12):  # Tab cycles inside the dialog, never behind it
        page.keyboard.press("Tab")
        assert page.evaluate(
            "() => document.getElementById('modal').contains(document.activeElement)"
        )
    page.keyboard.press("Escape")
    expect(page.locator("#modal")).to_be_empty()
    expect(opener).to_be_focused()


def test_a_failed_submit_puts_the_focus_on_the_errors(page, live_server, demo):
    page.goto(f"{live_server.url}/ingresar/")
    page.get_by_label("Usuario").fill("sociodemo1")
    page.get_by_label("Contraseña").fill("no-es-la-clave")
    page.get_by_role("button", name="Ingresar").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Usuario o contraseña incorrectos.")
    assert page.evaluate(
        "() => !!document.activeElement.closest('[role=alert]') || "
        "document.activeElement.getAttribute('aria-invalid') === 'true'"
    )
    assert_accessible(page, "sign-in with an error")


def keyboard_sign_in(page, live_server, username="sociodemo1", password="Demo$2026abc"):  # noqa: S107
    page.goto(f"{live_server.url}/ingresar/")
    tab_to(page, "Usuario")
    page.keyboard.type(username)
    tab_to(page, "Contraseña")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url("**/ingresar/*/")
    if "/dispositivo/" in page.url:
        tab_to(page, re.compile(r"^(Sí, guardar|No)$"))  # a radio group: arrows choose
        if active(page) != "No":
            page.keyboard.press("ArrowDown")
        expect(page.get_by_label("No", exact=True)).to_be_checked()
        tab_to(page, "Continuar")
        page.keyboard.press("Enter")
    page.wait_for_url("**/ingresar/codigo/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Factor de seguridad")
    assert_accessible(page, "code page")
    tab_to(page, "Dígito 1")
    page.keyboard.type(code_sent())
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")


def test_sign_in_and_a_transfer_with_codes_by_keyboard_alone(page, live_server, demo):
    keyboard_sign_in(page, live_server)
    expect(page.get_by_role("heading", name="Posición consolidada")).to_be_visible()
    tab_to(page, "Transferencias")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Transferencias", exact=True)).to_be_visible()
    tab_to(page, re.compile(r"^Transferencia Cooprogreso"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/transferencias/cooprogreso/")
    tab_to(page, "Número de cuenta")
    page.keyboard.type("410101047711")
    tab_to(page, "Validar")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("holder")).to_contain_text("Titular:")
    tab_to(page, "Cuenta origen")
    page.keyboard.press("ArrowDown")
    tab_to(page, "Monto")
    page.keyboard.type("7.25")
    tab_to(page, "Continuar")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("transfer-summary")).to_contain_text("$ 7.25")
    tab_to(page, "Confirmar")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_have_accessible_name("Factor de seguridad")
    expect(page.get_by_label("Dígito 1")).to_be_focused()
    assert_accessible(page, "code dialog")
    page.keyboard.type(code_sent())
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="¡Transferencia exitosa!")).to_be_visible()


def test_the_code_dialog_closes_with_escape_and_returns_the_focus(page, live_server, sign_in):
    sign_in()
    page.goto(f"{live_server.url}/transferencias/cooprogreso/")
    page.get_by_label("Número de cuenta").fill("410101047711")
    page.get_by_label("Cuenta origen").select_option(index=1)
    page.get_by_label("Monto").fill("3.00")
    page.get_by_role("button", name="Continuar").click()
    confirm = page.get_by_role("button", name="Confirmar")
    confirm.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Dígito 1")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#modal")).to_be_empty()
    expect(confirm).to_be_focused()


def test_an_autorizador_approves_an_order_by_keyboard_alone(page, live_server, sign_in):
    # The ingresador registers an order (with the mouse: only the approval is under test).
    register_order(page, live_server, sign_in, "Teclado")
    page.get_by_role("button", name="Salir").click()

    keyboard_sign_in(page, live_server, "empautoriza01")
    tab_to(page, re.compile(r"^Autorizar"))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("pending-orders")).to_contain_text("Teclado")
    assert_accessible(page, "pending orders")
    tab_to(page, "Buscar")
    page.keyboard.type("Teclado")
    expect(page.get_by_test_id("pending-orders").locator("tbody tr")).to_have_count(1)
    tab_to(page, "Ver detalle")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("order")).to_contain_text("Teclado")
    assert_accessible(page, "order detail")
    tab_to(page, "Autorizar")
    page.keyboard.press("Enter")
    page.wait_for_url("**/ordenes/*/autorizar/")
    assert_accessible(page, "approve confirmation")
    tab_to(page, "Sí, autorizar")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Dígito 1")).to_be_focused()
    page.keyboard.type(code_sent())
    page.keyboard.press("Enter")
    expect(page.get_by_text("Orden autorizada y ejecutada.")).to_be_visible()
