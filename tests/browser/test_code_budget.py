"""Issue 13: a member whose sign-in codes for the hour are spent is told so on the sign-in page
of their registered browser, with the time they may ask for another, before typing the
password."""

import re

from playwright.sync_api import expect

NOTICE = "Ya pediste 5 códigos de ingreso en la última hora."


def test_spent_sign_in_codes_are_told_before_the_password(page, live_server, sign_in, settings):
    from identity.models import OtpChallenge, User
    from identity.services.otp import SIGN_IN_PURPOSE, challenge_start

    settings.OTP_SIGN_IN_CODES_PER_HOUR = 5
    sign_in(device_alias="Mi laptop")  # this browser is now the member's, and one code is spent
    page.get_by_role("button", name="Salir").click()
    page.wait_for_url(re.compile(r"/ingresar/$"))
    member = User.objects.get(username="sociodemo1")
    for n in range(4):
        challenge_start(
            user=member, purpose=SIGN_IN_PURPOSE, operation={"n": n}, description="ingresar"
        )

    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(f"{live_server.url}/ingresar/")
        notice = page.get_by_test_id("code-budget")
        expect(notice).to_contain_text(NOTICE)
        expect(notice).to_contain_text(re.compile(r"Podrás pedir otro a las \d{2}:\d{2}\."))
        password = page.get_by_label("Contraseña")
        expect(password).to_have_value("")  # nothing typed yet
        assert notice.bounding_box()["y"] < password.bounding_box()["y"]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Typing it anyway: back on this page with the same words, once; no step, no code sent.
    page.get_by_label("Usuario").fill("sociodemo1")
    page.get_by_label("Contraseña").fill("Demo$2026abc")
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(re.compile(r"/ingresar/$"))
    expect(page.get_by_text(NOTICE)).to_have_count(1)
    assert OtpChallenge.objects.filter(user=member).count() == 5


def test_spent_operation_codes_are_told_instead_of_the_confirm_button(
    page, live_server, sign_in, settings
):
    from identity.models import User
    from identity.services.otp import challenge_start

    settings.OTP_OPERATION_CODES_PER_HOUR = 2
    sign_in()
    member = User.objects.get(username="sociodemo1")
    for n in range(2):
        challenge_start(user=member, purpose="transfer", operation={"n": n}, description="x")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/perfil/usuario/")
    notice = page.get_by_test_id("code-budget")
    expect(notice).to_contain_text(
        "Ya pediste 2 códigos para confirmar operaciones en la última hora."
    )
    expect(notice).to_contain_text(re.compile(r"Podrás pedir otro a las \d{2}:\d{2}\."))
    expect(page.get_by_role("button", name="Confirmar")).to_have_count(0)
    expect(page.get_by_role("link", name="Cancelar")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
