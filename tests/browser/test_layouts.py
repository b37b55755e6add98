"""What people see at 1366 px and on a 390 px phone: signed-out pages centre a readable card;
on a phone no page runs off the screen sideways and every table is a list of cards whose first
amount is on screen. SCREENS_DIR=<folder> saves a screenshot of every page visited."""

import os
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from common.formatting import MONTHS_SHORT

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def shoot(page, name: str) -> None:
    folder = os.environ.get("SCREENS_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def fits_the_phone(page, name: str) -> None:
    """Nothing wider than the screen, and the first row's amount (a table's first key figure)
    inside it."""
    page.wait_for_load_state("networkidle")
    shoot(page, name)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: {overflow} px wider than the screen"
    amount = page.locator(".table-wrap tbody tr td.num").first
    if amount.count():
        expect(amount).to_be_visible()
        box = amount.bounding_box()
        assert box is not None and box["x"] >= 0, name
        assert box["x"] + box["width"] <= PHONE["width"], f"{name}: the amount is off-screen"
        assert box["y"] < PHONE["height"] * 2, f"{name}: the first amount is too far down"


def centred_card(page, name: str) -> None:
    card = page.locator("main .login, main .narrow, main .card").first
    box = card.bounding_box()
    shoot(page, f"desktop-{name}")
    assert box["width"] >= 340, (name, box)
    centre = box["x"] + box["width"] / 2
    assert abs(centre - DESKTOP["width"] / 2) < 40, (name, box)
    for field in page.locator("main input:visible:not([type=hidden]):not([type=radio])").all():
        if field.get_attribute("name") != "otp_digit":
            assert field.bounding_box()["width"] >= 280, (name, field.get_attribute("name"))
    boxes = page.locator("[data-otp-boxes] input")
    if boxes.count():
        assert boxes.first.bounding_box()["width"] >= 36, name


def test_signed_out_pages_centre_a_readable_card_on_the_desktop(page, live_server, demo):
    """Sign-in (also where an idle expiry lands), Regístrate, Olvidé mi usuario, Desbloquear,
    Olvidé mi contraseña, and the device and code steps."""
    page.set_viewport_size(DESKTOP)
    for path in (
        "/ingresar/",
        "/registro/",
        "/olvide-usuario/",
        "/desbloquear/",
        "/olvide-contrasena/",
    ):
        page.goto(f"{live_server.url}{path}")
        centred_card(page, path.strip("/"))
    page.goto(f"{live_server.url}/ingresar/")
    page.get_by_label("Usuario").fill("sociodemo1")
    page.get_by_label("Contraseña").fill("Demo$2026abc")
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url("**/ingresar/dispositivo/")
    centred_card(page, "device")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continuar").click()
    page.wait_for_url("**/ingresar/codigo/")
    centred_card(page, "code")


def test_a_member_on_a_phone_reads_every_table_as_cards(page, live_server, sign_in):
    page.set_viewport_size(PHONE)
    sign_in()
    expect(page.get_by_role("heading", name="Posición consolidada")).to_be_visible()
    fits_the_phone(page, "phone-position")
    # Each card names its figures (the column heads, read on a phone as labels).
    first_amount = page.locator(".table-wrap tbody tr td.num").first
    assert first_amount.get_attribute("data-label")
    current = page.locator(".sidemenu [aria-current=page]")
    expect(current).to_be_in_viewport(ratio=1)

    page.get_by_role("link", name="Ver movimientos").first.click()
    expect(page.get_by_role("heading", name="Movimientos")).to_be_visible()
    fits_the_phone(page, "phone-movements")
    expect(page.get_by_test_id("movements").locator("tbody tr td.num").first).to_be_in_viewport()

    # A filter swaps the table in with htmx: the new rows are cards too.
    page.get_by_label("Mes anterior").check()
    page.get_by_role("button", name="Consultar").click()
    last = date.today().replace(day=1) - timedelta(days=1)
    # Wait for the swapped-in results (the old ones said "Desde" too).
    expect(page.locator("#results")).to_contain_text(f"Desde 01/{MONTHS_SHORT[last.month - 1]}/")
    fits_the_phone(page, "phone-movements-filtered")
    label = page.get_by_test_id("movements").locator("tbody tr td.num").first
    if label.count():
        assert label.get_attribute("data-label") == "Monto"

    for path, name in (
        ("/beneficiarios/", "phone-beneficiaries"),
        ("/transferencias/", "phone-transfers"),
        ("/transferencias/interbancarias/", "phone-interbank-form"),
        ("/perfil/", "phone-profile"),
        ("/perfil/seguridad/", "phone-security"),
        ("/perfil/dispositivos/", "phone-devices"),
    ):
        page.goto(f"{live_server.url}{path}")
        fits_the_phone(page, name)
        expect(page.locator(".sidemenu [aria-current=page]")).to_be_in_viewport(ratio=1)


@pytest.mark.parametrize(
    ("username", "paths"),
    [
        ("empautoriza01", ["/empresa/autorizar/", "/empresa/consultas/?periodo=mes_anterior"]),
        ("empadmin01", ["/empresa/usuarios/", "/empresa/auditoria/", "/empresa/niveles-de-firma/"]),
        ("empingresa01", ["/empresa/pagos-masivos/"]),
    ],
)
def test_company_pages_fit_a_phone(page, live_server, sign_in, username, paths):
    page.set_viewport_size(PHONE)
    sign_in(username)
    fits_the_phone(page, f"phone-{username}-home")
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        fits_the_phone(page, "phone-" + re.sub(r"\W+", "-", path.strip("/")))


def test_signing_out_is_said_as_a_success_not_a_warning(page, live_server, sign_in):
    page.set_viewport_size(DESKTOP)
    sign_in()
    page.get_by_role("button", name="Salir").click()
    page.wait_for_url("**/ingresar/")
    message = page.get_by_text("Cerraste tu sesión de forma segura.")
    expect(message).to_be_visible()
    colours = message.evaluate(
        """el => {
            const root = getComputedStyle(document.documentElement);
            return [getComputedStyle(el).backgroundColor, root.getPropertyValue('--ok').trim(),
                    root.getPropertyValue('--warn').trim()];
        }"""
    )
    background, ok, warn = colours
    shoot(page, "desktop-signed-out")
    assert background != _rgb(warn) and background == _rgb(ok), colours


def _rgb(hex_colour: str) -> str:
    value = hex_colour.lstrip("#")
    red, green, blue = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({red}, {green}, {blue})"
