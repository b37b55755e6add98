import pytest
from django.conf import settings

from support.selectors import faq_entries

pytestmark = pytest.mark.django_db


def test_support_index_links_the_three_pages(client):
    html = client.get("/soporte/").content.decode()
    for url in ("/soporte/preguntas-frecuentes/", "/soporte/reclamos/", "/soporte/contacto/"):
        assert f'href="{url}"' in html


def test_faq_is_public_and_uses_details(client):
    response = client.get("/soporte/preguntas-frecuentes/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 8 <= html.count("<details") == html.count("<summary>") <= 12
    assert "¿Qué es el código de verificación (OTP)?" in html
    assert settings.COOPERATIVE["phone"] in html


def test_faq_answers_have_no_unfilled_placeholders():
    entries = faq_entries()
    assert 8 <= len(entries) <= 12
    assert not any("%(" in e.answer or "%(" in e.question for e in entries)


def test_contact_is_a_fragment_for_htmx(client):
    response = client.get("/soporte/contacto/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<body" not in html
    cooperative = settings.COOPERATIVE
    assert cooperative["phone"] in html and cooperative["email"] in html
    assert cooperative["address"] in html
    assert f'href="tel:{cooperative["phone"]}"' in html
    assert "data-close-modal" in html
    assert "HX-Request" in response["Vary"]


def test_contact_is_a_full_page_otherwise(client):
    response = client.get("/soporte/contacto/")
    html = response.content.decode()
    assert "<html" in html and settings.COOPERATIVE["phone"] in html
    assert 'data-testid="contact-dialog"' in html


def test_pages_carry_no_inline_scripts_or_styles(client, member_user):
    client.force_login(member_user)
    for url in ("/soporte/", "/soporte/preguntas-frecuentes/", "/soporte/contacto/"):
        html = client.get(url).content.decode()
        assert "style=" not in html
        assert "<script>" not in html
    html = client.get("/soporte/reclamos/").content.decode()
    assert "style=" not in html and "<script>" not in html
