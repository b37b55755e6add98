"""Passwords are stored with Argon2id at OWASP's parameters; an older PBKDF2 hash still signs
the person in and is replaced by an Argon2id one at that sign-in."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, make_password

from cooperativa import settings as project_settings
from tests.auth import sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production_hashers(settings):
    """tests/conftest.py swaps in a fast hasher; these tests are about the real ones."""
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def test_a_new_password_is_argon2id_with_owasp_parameters():
    encoded = make_password("Clave$segura2026")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password("Clave$segura2026", encoded)
    assert not check_password("Clave$segura2027", encoded)


def test_an_old_pbkdf2_password_signs_in_and_is_upgraded(client):
    user = UserFactory()
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "salpbkdf2antigua")
    user.save(update_fields=["password"])

    response = sign_in(client, user.username)

    assert response.status_code == 302
    assert response["Location"] == "/"
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password(PASSWORD, user.password)
