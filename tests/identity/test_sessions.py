import time

import pytest
from django.test import Client

from identity.middleware import SEEN, SINCE
from tests.auth import sign_in

pytestmark = pytest.mark.django_db


def age(client, key, seconds):
    session = client.session
    session[key] = time.time() - seconds
    session.save()


def test_idle_sessions_end_after_five_minutes(client, member_user, settings):
    assert settings.SESSION_IDLE_SECONDS == 300
    sign_in(client, member_user.username)
    age(client, SEEN, 290)
    assert client.get("/").status_code == 200  # still inside, and this counts as activity
    age(client, SEEN, 301)
    response = client.get("/")
    assert response["Location"] == "/ingresar/"
    assert "Tu sesión se cerró por inactividad." in client.get("/ingresar/").content.decode()
    assert client.get("/")["Location"].startswith("/ingresar/")


def test_htmx_requests_of_an_expired_session_redirect_the_whole_page(client, member_user):
    sign_in(client, member_user.username)
    age(client, SEEN, 301)
    response = client.get("/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == "/ingresar/"


def test_the_warning_dialog_is_not_activity_but_staying_is(client, member_user):
    sign_in(client, member_user.username)
    age(client, SEEN, 250)
    dialog = client.get("/sesion/aviso/").content.decode()
    assert "¿Sigues ahí?" in dialog and "Seguir conectado" in dialog
    assert time.time() - client.session[SEEN] >= 250
    response = client.post("/sesion/mantener/")
    assert response["HX-Trigger"] == "session-kept"
    assert time.time() - client.session[SEEN] < 5


def test_the_absolute_lifetime_ends_even_an_active_session(client, member_user, settings):
    sign_in(client, member_user.username)
    age(client, SINCE, settings.SESSION_ABSOLUTE_SECONDS + 1)
    assert client.get("/")["Location"] == "/ingresar/"


def test_pages_carry_the_idle_timer_settings(client, member_user):
    sign_in(client, member_user.username)
    page = client.get("/").content.decode()
    assert 'data-idle-seconds="285"' in page and 'data-idle-warning="60"' in page


def test_closing_other_sessions(client, member_user):
    sign_in(client, member_user.username)
    other = Client()
    sign_in(other, member_user.username)
    client.post("/perfil/seguridad/sesiones/")
    assert client.get("/").status_code == 200
    assert other.get("/")["Location"].startswith("/ingresar/")


def test_posts_without_csrf_token_are_refused(member_user):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/ingresar/", {"username": member_user.username, "password": "x"})
    assert response.status_code == 403


def test_the_back_office_has_no_password_only_door(client):
    from identity.models import User
    from tests.factories import PASSWORD

    User.objects.create_superuser("personal01", "staff@example.com", PASSWORD)
    response = client.post(
        "/backoffice/login/?next=/backoffice/", {"username": "personal01", "password": PASSWORD}
    )
    assert response["Location"] == "/ingresar/?next=/backoffice/"
    assert "_auth_user_id" not in client.session
    assert sign_in(client, "personal01", next_url="/backoffice/")["Location"] == "/backoffice/"
    assert client.get("/backoffice/").status_code == 200
