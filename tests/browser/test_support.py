"""A member finds the call centre and files a complaint with a screenshot, as a person would."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from playwright.sync_api import expect

from support.models import Complaint
from tests.factories import funded_member
from tests.support.files import tiny_png


@pytest.fixture
def _attachments_in_tmp(settings, tmp_path):
    settings.SUPPORT_ATTACHMENTS_DIR = tmp_path / "attachments"


@pytest.fixture
def member_page(page, live_server, transactional_db, console_errors, _attachments_in_tmp):
    # A session cookie made directly: the sign-in journey has its own tests and its own steps.
    user = funded_member()
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def test_member_calls_the_call_centre_and_files_a_complaint(member_page, live_server, settings):
    page = member_page
    page.goto(f"{live_server.url}/soporte/")
    expect(page.get_by_role("heading", name="Soporte", exact=True)).to_be_visible()

    page.get_by_test_id("open-contact").click()
    dialog = page.locator("#modal").get_by_test_id("contact-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("contact-phone")).to_have_text(settings.COOPERATIVE["phone"])
    expect(dialog.get_by_test_id("contact-phone")).to_have_attribute(
        "href", f"tel:{settings.COOPERATIVE['phone']}"
    )
    dialog.get_by_role("button", name="Cerrar").click()
    expect(page.locator("#modal")).to_be_empty()
    assert page.url == f"{live_server.url}/soporte/"

    page.get_by_role("link", name="Quejas y reclamos").click()
    expect(page.get_by_role("heading", name="Quejas y reclamos")).to_be_visible()
    page.get_by_role("button", name="Enviar reclamo").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text("Completa los campos obligatorios.")

    page.get_by_label("Producto o servicio").select_option(label="Banca en línea")
    page.get_by_label("Nombres y apellidos").fill("Ana Pérez")
    page.get_by_label("Teléfono").fill("0991234567")
    page.get_by_label("Descripción del reclamo").fill("La transferencia no llegó al destinatario.")
    page.get_by_label("Monto reclamado").fill("40.00")
    page.get_by_label("Documento de respaldo").set_input_files(
        files=[{"name": "captura.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    page.get_by_label("Autorizo el tratamiento de mis datos personales").check()
    page.get_by_role("button", name="Enviar reclamo").click()

    done = page.get_by_test_id("complaint-done")
    expect(done).to_contain_text(re.compile(r"registrado con el número RC-\d{4}-\d{6}"))
    expect(done).to_contain_text("Te enviamos una constancia de recepción a")
    expect(done).to_contain_text("captura.png")
    complaint = Complaint.objects.get()
    assert complaint.attachment_content_type == "image/png"
    assert complaint.claimed_amount == Decimal("40.00")
