from importlib import import_module

import pytest
from django.conf import settings
from django.urls import reverse

from identity.models import SignIn
from tests.auth import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_sign_in_records_the_device_and_shows_the_previous_one(client, member_user):
    ua = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 "
        "Edg/131.0"
    )
    sign_in(client, member_user.username, HTTP_USER_AGENT=ua, REMOTE_ADDR="179.60.191.12")
    client.post(reverse("identity:logout"))
    sign_in(client, member_user.username)
    html = client.get("/").content.decode()
    assert SignIn.objects.filter(user=member_user).count() == 2
    assert (
        "Última conexión:" in html and "Dispositivo: Microsoft Edge - WEB - 179.60.191.12" in html
    )


def test_wrong_credentials_get_one_generic_message(client, member_user):
    wrong_password = client.post(
        reverse("identity:login"), {"username": member_user.username, "password": "x"}
    )
    no_user = client.post(reverse("identity:login"), {"username": "nadie", "password": "x"})
    for response in (wrong_password, no_user):
        assert "Usuario o contraseña incorrectos." in response.content.decode()


def test_sign_out_ends_the_session_on_the_server(client, member_user):
    client.force_login(member_user)
    session_key = client.session.session_key
    assert client.post(reverse("identity:logout")).status_code == 302

    from django.contrib.sessions.backends.base import SessionBase

    store: SessionBase = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    assert not store.exists(session_key)
    assert client.get("/").status_code == 302


def test_the_session_user_is_loaded_with_its_member_in_one_query(
    member_user, django_assert_num_queries
):
    from identity.backends import PortalBackend
    from identity.models import User

    member_user.customer.address = "Calle Ñ"
    member_user.customer.save()
    with django_assert_num_queries(1):
        user = PortalBackend().get_user(member_user.pk)
        assert user.customer.address == "Calle Ñ"
    reference = User.objects.select_related("customer").get(pk=member_user.pk)
    for field in User._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(reference, field.attname), field.name
    assert user.date_joined.tzinfo is not None and user.is_active is True
    assert user.customer.created_at == reference.customer.created_at


def test_no_member_and_unknown_or_inactive_users(member_user):
    from identity.backends import PortalBackend
    from identity.models import User

    staff = User.objects.create_user("personal", password=PASSWORD)
    assert PortalBackend().get_user(staff.pk).customer is None
    assert PortalBackend().get_user(999999) is None
    assert PortalBackend().get_user("x") is None
    User.objects.filter(pk=member_user.pk).update(is_active=False)
    assert PortalBackend().get_user(member_user.pk) is None


def test_three_wrong_passwords_lock_the_user_even_from_other_addresses(client, member_user):
    url = reverse("identity:login")
    for _ in range(2):
        response = client.post(url, {"username": member_user.username, "password": "mala"})
        assert "Usuario o contraseña incorrectos." in response.content.decode()
    locked = client.post(url, {"username": member_user.username, "password": "mala"})
    assert locked.status_code == 429 and "Tu usuario está bloqueado" in locked.content.decode()
    # The right password from another address does not get in either.
    again = client.post(
        url, {"username": member_user.username, "password": PASSWORD}, REMOTE_ADDR="200.1.2.3"
    )
    assert "Tu usuario está bloqueado" in again.content.decode()
    assert client.get("/").status_code == 302


def test_a_success_resets_the_count_and_staff_can_unlock(client, member_user):
    from axes.utils import reset

    url = reverse("identity:login")
    for _ in range(2):
        client.post(url, {"username": member_user.username, "password": "mala"})
    assert sign_in(client, member_user.username)["Location"] == "/"
    client.post(reverse("identity:logout"))
    for _ in range(2):  # two more failures after a success do not lock
        client.post(url, {"username": member_user.username, "password": "mala"})
    assert sign_in(client, member_user.username)["Location"] == "/"
    client.post(reverse("identity:logout"))
    for _ in range(3):
        client.post(url, {"username": member_user.username, "password": "mala"})
    reset(username=member_user.username)  # what "delete access attempts" in the admin does
    assert sign_in(client, member_user.username)["Location"] == "/"


def test_client_address_behind_our_proxy(rf, settings):
    from identity.services.audit import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 179.60.191.12")
    settings.TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.0.0.2"  # without a proxy the header is the client's word
    settings.TRUSTED_PROXIES = 1
    assert client_ip(request) == "179.60.191.12"  # what our proxy saw, not what was claimed
    spoofed = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert client_ip(spoofed) is None
