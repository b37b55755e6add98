import re

import pytest
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

from identity.models import Consent, Notification, PasswordHistory, SecurityAnswer, User
from identity.services.credentials import temporary_credentials_send, username_validate
from identity.services.passwords import CompositionValidator
from tests.auth import code_sent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Nueva$Clave26"


@pytest.fixture
def newcomer(db):
    """A member whose user has just been given temporary credentials."""
    user = UserFactory(accepted_terms=False)
    temporary_credentials_send(user=user)
    user.refresh_from_db()
    return user, temporary_password_sent()


def temporary_password_sent() -> str:
    body = Notification.objects.latest("id").body
    return re.search(r"Contraseña temporal: (\S+)", body).group(1)


def walk(client, user, password, *, username="lucia2026"):
    response = client.post("/ingresar/", {"username": user.username, "password": password})
    assert response["Location"] == "/ingresar/terminos/"
    page = client.get("/ingresar/terminos/").content.decode()
    assert "Términos y Condiciones Canales Digitales" in page and "Tratamiento de datos" in page
    ids = [int(x) for x in re.findall(r'name="accept_(\d+)"', page)]
    assert len(ids) == 2
    response = client.post("/ingresar/terminos/", {f"accept_{i}": "on" for i in ids})
    assert response["Location"] == "/ingresar/usuario/"
    page = client.get("/ingresar/usuario/").content.decode()
    assert "Anterior nombre de usuario" in page and user.username in page
    response = client.post("/ingresar/usuario/", {"username": username})
    assert response["Location"] == "/ingresar/contrasena/"
    response = client.post(
        "/ingresar/contrasena/", {"current": password, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response["Location"] == "/ingresar/seguridad/"
    response = client.post(
        "/ingresar/seguridad/",
        {
            "image": "guitarra",
            "question_1": "mascota",
            "answer_1": "Firulais",
            "question_2": "escuela",
            "answer_2": "La Salle",
            "question_3": "comida",
            "answer_3": "Encebollado",
        },
    )
    assert response["Location"] == "/ingresar/dispositivo/"
    response = client.post("/ingresar/dispositivo/", {"register": "si", "alias": "Mi laptop"})
    assert response["Location"] == "/ingresar/codigo/"
    client.get("/ingresar/codigo/")
    return client.post("/ingresar/codigo/", {"otp_code": code_sent()})


def test_first_sign_in_sets_everything_and_asks_to_sign_in_again(client, newcomer):
    user, password = newcomer
    response = walk(client, user, password)
    assert "Credenciales configuradas con éxito" in response.content.decode()
    assert client.get("/")["Location"].startswith("/ingresar/")  # not signed in yet
    user.refresh_from_db()
    assert user.username == "lucia2026" and check_password(NEW_PASSWORD, user.password)
    assert not user.needs_setup and user.temporary_expires_at is None
    assert user.security_image == "guitarra"
    answers = SecurityAnswer.objects.filter(user=user)
    assert answers.count() == 3 and "Firulais" not in str(list(answers.values()))
    assert Consent.objects.filter(user=user, ip="127.0.0.1").count() == 2
    assert PasswordHistory.objects.filter(user=user).count() >= 1
    # The new credentials work, and this browser is registered: no device question.
    response = client.post("/ingresar/", {"username": "lucia2026", "password": NEW_PASSWORD})
    assert response["Location"] == "/ingresar/codigo/"


def test_nothing_changes_until_the_code(client, newcomer):
    user, password = newcomer
    client.post("/ingresar/", {"username": user.username, "password": password})
    client.post("/ingresar/terminos/", {"accept_1": "on", "accept_2": "on"})
    client.post("/ingresar/usuario/", {"username": "lucia2026"})
    user.refresh_from_db()
    assert user.username != "lucia2026" and not Consent.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    "username, message",
    [
        ("corto1", "de 8 a 15 caracteres"),
        ("Mayusculas1", "solo letras minúsculas y números"),
        ("con espacio1", "solo letras minúsculas y números"),
        ("demasiadolargo1234", "de 8 a 15 caracteres"),
        ("ñandú12345", "solo letras minúsculas y números"),
    ],
)
def test_bad_usernames(username, message):
    with pytest.raises(ValidationError) as error:
        username_validate(username)
    assert message in str(error.value)


def test_a_taken_username_is_refused_case_insensitively(member_user):
    other = UserFactory()
    from identity.models import User as UserModel

    UserModel.objects.filter(pk=member_user.pk).update(username="Socio12345")  # legacy casing
    with pytest.raises(ValidationError, match="no está disponible"):
        username_validate("socio12345", user=other)
    member_user.refresh_from_db()
    assert username_validate("socio12345", user=member_user) == "socio12345"


@pytest.mark.parametrize(
    "password, message",
    [
        ("Ab$1", "de 8 a 15"),
        ("Abcdefgh$12345678", "de 8 a 15"),
        ("abcdefg$1", "mayúsculas y minúsculas"),
        ("ABCDEFG$1", "mayúsculas y minúsculas"),
        ("Abcdefgh$", "números"),
        ("Abcdefgh1", "carácter especial"),
        ("Abc def$1", "espacios"),
    ],
)
def test_password_composition(password, message):
    with pytest.raises(ValidationError) as error:
        CompositionValidator().validate(password)
    assert message in str(error.value)


def test_password_step_refuses_weak_reused_and_username_passwords(client, newcomer):
    user, password = newcomer
    client.post("/ingresar/", {"username": user.username, "password": password})
    client.post("/ingresar/terminos/", {"accept_1": "on", "accept_2": "on"})
    client.post("/ingresar/usuario/", {"username": "lucia2026"})
    cases = {
        "Password1!": "demasiado común",
        "Lucia2026$": "",  # similar to the chosen username: still judged against it
        password: "No puedes repetir",
    }
    for new, message in cases.items():
        response = client.post(
            "/ingresar/contrasena/", {"current": password, "new": new, "confirm": new}
        )
        assert response.status_code == 200, new
        if message:
            assert message in response.content.decode()
    wrong_current = client.post(
        "/ingresar/contrasena/",
        {"current": "Otra$Cosa1", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert "La contraseña actual no es correcta." in wrong_current.content.decode()
    mismatch = client.post(
        "/ingresar/contrasena/", {"current": password, "new": NEW_PASSWORD, "confirm": "Otra$Cosa1"}
    )
    assert "Las contraseñas no coinciden." in mismatch.content.decode()


def test_the_last_five_passwords_cannot_come_back(member_user):
    from django.contrib.auth.password_validation import validate_password

    used = [f"Clave$Vieja{i}" for i in range(6)]
    for password in used:
        member_user.set_password(password)
        member_user.save()
    for recent in used[-5:]:
        with pytest.raises(ValidationError, match="últimas 5"):
            validate_password(recent, member_user)
    validate_password(used[0], member_user)  # the sixth-last may come back


def test_company_users_have_no_security_questions_step(client):
    from identity.models import Member

    user = UserFactory(customer__kind=Member.Kind.COMPANY, accepted_terms=True)
    temporary_credentials_send(user=user)
    password = temporary_password_sent()
    client.post("/ingresar/", {"username": user.username, "password": password})
    client.post("/ingresar/usuario/", {"username": "empresa2026"})
    response = client.post(
        "/ingresar/contrasena/", {"current": password, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response["Location"] == "/ingresar/dispositivo/"
    assert User.objects.get(pk=user.pk).needs_setup  # until the code
