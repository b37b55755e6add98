"""On a 390 px phone the menu is one scrolling row: on the pages below the one a menu entry
opens (an account's movements, «Nuevo beneficiario», an audit log) the entry they belong to is
marked current and scrolled into sight, and nothing runs off the screen sideways."""

from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}


def shows_current(page, name: str) -> None:
    menu = page.get_by_role("navigation", name="Menú principal")
    current = menu.locator("[aria-current=page]")
    expect(current).to_have_count(1)
    expect(current).to_have_text(name)
    expect(current).to_be_in_viewport(ratio=1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_member_on_a_phone_sees_where_they_are(page, live_server, sign_in):
    page.set_viewport_size(PHONE)
    sign_in()
    page.get_by_role("link", name="Ver movimientos").first.click()
    expect(page.get_by_role("heading", name="Movimientos")).to_be_visible()
    shows_current(page, "Posición consolidada")

    page.goto(f"{live_server.url}/beneficiarios/")
    page.get_by_test_id("new-beneficiary").click()
    page.wait_for_url("**/beneficiarios/nuevo/**")
    shows_current(page, "Administrar beneficiarios")

    page.goto(f"{live_server.url}/perfil/dispositivos/")
    shows_current(page, "Perfil")


def test_company_logins_on_a_phone_see_where_they_are(page, live_server, sign_in):
    page.set_viewport_size(PHONE)
    sign_in("empadmin01")
    page.goto(f"{live_server.url}/empresa/auditoria/")
    shows_current(page, "Gestión de usuarios")
    page.goto(f"{live_server.url}/empresa/niveles-de-firma/agregar/")
    shows_current(page, "Niveles de firma")
    page.goto(f"{live_server.url}/beneficiarios/nuevo/cooprogreso/")
    shows_current(page, "Administrar beneficiarios")
