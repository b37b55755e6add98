"""Pago de tarjetas in Chromium: sociodemo1 pays their own Cooprogreso card and sees its
available amount change on the position; pays another bank's card with its fee and VAT; and the
pages fit a 390 px phone."""

import re

from playwright.sync_api import expect
from stdnum import luhn

from tests.browser.conftest import enter_code
from tests.browser.test_layouts import PHONE, fits_the_phone

SIGNED_CARD_MASK = "513744XXXXXX5290"  # sociodemo1's MASTERCARD in seed_demo


def demo_card_number() -> str:
    """A Luhn-valid number whose mask is the demo card's."""
    for middle in range(10**6):
        number = f"513744{middle:06d}5290"
        if luhn.is_valid(number):
            return number
    raise AssertionError("no number")


def open_demo_card_account() -> str:
    """What seed_demo is to do (the lead's part): the demo card gets its ledger account."""
    from credits.models import Card
    from credits.services import card_account_open

    number = demo_card_number()
    card = Card.objects.get(masked_number=SIGNED_CARD_MASK, owner__identification="1714307103")
    card_account_open(card=card, number=number)
    return number


def choose(page, label, text):
    select = page.get_by_label(label)
    value = select.locator("option", has_text=text).first.get_attribute("value")
    select.select_option(value)


def test_pay_own_card_and_see_the_position_change(page, live_server, sign_in):
    number = open_demo_card_account()
    sign_in()
    page.goto(f"{live_server.url}/")
    cards = page.get_by_test_id("cards")
    expect(cards).to_contain_text(SIGNED_CARD_MASK)
    expect(cards.get_by_test_id("card-available")).to_have_text("$ 864.48")

    page.goto(f"{live_server.url}/pago-tarjetas/")
    page.get_by_role("link", name="Agregar nueva tarjeta").click()
    choose(page, "Entidad financiera", "COOPROGRESO")
    page.get_by_label("Número de tarjeta").fill(number)
    page.get_by_label("Tipo de identificación").select_option(label="Cédula")
    page.get_by_label("Identificación", exact=True).fill("1714307103")
    page.get_by_label("Guardar beneficiario").check()
    page.get_by_label("Alias (opcional)").fill("Mi Mastercard")
    choose(page, "Cuenta origen", "410101038642")
    page.get_by_role("radio", name="Otro valor").check()
    page.get_by_role("textbox", name="Otro valor").fill("25.00")
    page.get_by_role("button", name="Pagar").click()
    summary = page.get_by_test_id("card-summary")
    expect(page.get_by_text("Verifica que todos los datos estén correctos")).to_be_visible()
    expect(summary).to_contain_text("$ 25.00")
    expect(summary).to_contain_text(SIGNED_CARD_MASK)
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_test_id("otp-dialog")).to_contain_text("pagar $ 25.00")
    enter_code(page)
    expect(page.get_by_role("heading", name="¡Pago exitoso!")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Imprimir").click()
    assert download.value.suggested_filename.endswith(".pdf")

    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("card-available")).to_have_text("$ 889.48")
    # The saved card, paid again from its row with «Pago mínimo».
    page.goto(f"{live_server.url}/pago-tarjetas/")
    expect(page.get_by_test_id("cards-saved")).to_contain_text("Mi Mastercard")
    page.get_by_role("link", name="Pagar").click()
    expect(page.get_by_test_id("card-form")).to_contain_text("$ 708.63")
    # Or chosen in the form's own list: the form reloads with its amounts, no new-card fields.
    page.goto(f"{live_server.url}/pago-tarjetas/pagar/")
    expect(page.get_by_label("Número de tarjeta")).to_be_visible()
    expect(page.get_by_label("Alias (opcional)")).to_be_hidden()  # until «Guardar» is ticked
    choose(page, "Tarjeta guardada", "Mi Mastercard")
    expect(page.get_by_test_id("card-form")).to_contain_text("$ 708.63")
    expect(page.get_by_label("Número de tarjeta")).to_be_hidden()


def test_pay_another_banks_card_with_fee(page, live_server, sign_in):
    sign_in()
    page.goto(f"{live_server.url}/pago-tarjetas/")
    page.get_by_role("link", name="Agregar nueva tarjeta").click()
    page.get_by_label("Entidad financiera").select_option(label="BANCO INTERNACIONAL S.A.")
    page.get_by_label("Número de tarjeta").fill("451766000000775" + _check("451766000000775"))
    page.get_by_label("Tipo de identificación").select_option(label="Cédula")
    page.get_by_label("Identificación", exact=True).fill("1710034065")
    page.get_by_label("Nombre del beneficiario (otras entidades)").fill("Evelyn Rivera")
    choose(page, "Cuenta origen", "410101038642")
    page.get_by_role("textbox", name="Otro valor").fill("30.00")
    page.get_by_role("button", name="Pagar").click()
    summary = page.get_by_test_id("card-summary")
    expect(summary).to_contain_text("$ 0.36")
    expect(summary).to_contain_text("$ 0.05")
    expect(summary).to_contain_text("$ 30.41")
    page.get_by_role("button", name="Confirmar").click()
    enter_code(page)
    expect(page.get_by_role("heading", name=re.compile("Pago"))).to_be_visible()
    expect(page.get_by_test_id("card-receipt")).to_contain_text("BANCO INTERNACIONAL S.A.")


def _check(body: str) -> str:
    return luhn.calc_check_digit(body)


def test_card_pages_fit_a_phone(page, live_server, sign_in):
    page.set_viewport_size(PHONE)
    sign_in()
    for path in ("/pago-tarjetas/", "/pago-tarjetas/pagar/", "/beneficiarios/?tab=tarjetas"):
        page.goto(f"{live_server.url}{path}")
        fits_the_phone(page, "cards" + path.replace("/", "-"))
