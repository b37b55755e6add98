"""Regístrate, Olvidé mi usuario, Desbloquear tu usuario, Olvidé mi contraseña."""

import re

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse

from identity.models import Consent, Enrolment, Member, Notification, OtpChallenge, User
from tests.auth import code_sent, sign_in
from tests.factories import PASSWORD, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def sent_codes():
    """Codes that went out (decoys and over-budget requests write a row that is never sent)."""
    return Notification.objects.filter(subject="Tu código de verificación").exclude(
        status=Notification.Status.SUPPRESSED
    )


VALID_CEDULA = "1710034065"


@pytest.fixture
def person(db):
    return MemberFactory(identification=VALID_CEDULA, email="lucia@example.com")


def enrol(client, identification=VALID_CEDULA, id_type="CEDULA"):
    response = client.post("/registro/", {"id_type": id_type, "identification": identification})
    assert response["Location"] == "/registro/terminos/", response.content.decode()[:300]
    page = client.get("/registro/terminos/").content.decode()
    ids = re.findall(r'name="(accept_\d+)"', page)
    assert len(ids) == 2
    response = client.post("/registro/terminos/", dict.fromkeys(ids, "on"))
    assert response["Location"] == "/registro/codigo/"
    return client.get("/registro/codigo/").content.decode()


def test_enrolment_sends_temporary_credentials_after_the_code(client, person):
    page = enrol(client)
    assert "enviado a tus medios de notificación" in page
    assert not User.objects.filter(customer=person).exists()
    result = client.post("/registro/codigo/", {"otp_code": code_sent("lucia@example.com")})
    text = result.content.decode()
    assert "Revisa tu correo electrónico registrado" in text
    assert "Cuando la cooperativa la apruebe" not in text
    user = User.objects.get(customer=person)
    assert user.needs_setup and user.temporary_expires_at is not None
    mail = Notification.objects.filter(recipient="lucia@example.com").latest("id")
    assert f"Usuario temporal: {user.username}" in mail.body
    temporary = re.search(r"Contraseña temporal: (\S+)", mail.body).group(1)
    assert check_password(temporary, user.password)
    consents = Consent.objects.filter(member=person)
    assert consents.count() == 2 and {c.ip for c in consents} == {"127.0.0.1"}
    assert Enrolment.objects.get(member=person).status == Enrolment.Status.APPROVED


def test_a_wrong_check_digit_is_refused(client, person):
    page = client.post("/registro/", {"id_type": "CEDULA", "identification": "1710034066"})
    assert "La cédula no es válida" in page.content.decode()
    assert "flow:enrol" not in client.session


def test_unknown_and_already_enrolled_look_the_same_as_a_real_enrolment(
    client, person, member_user
):
    real = enrol(client)
    other = MemberFactory(identification="1002103057")
    UserFactory(customer=other)
    enrolled = enrol(client, "1002103057")
    nobody = enrol(client, "0926687856")

    def strip(html):  # CSRF tokens differ, and the countdown by a second between requests
        html = re.sub(r'(value="|"X-CSRFToken": ")[^"]*"', "", html)
        return re.sub(r'(data-countdown="|<strong>)[0-9:]+', "", html)

    assert strip(real) == strip(enrolled) == strip(nobody)
    for page in (real, enrolled, nobody):
        assert 170 < int(re.search(r'data-countdown="(\d+)"', page).group(1)) < 180
    # The data that matched nobody never gets a code through.
    page = client.post("/registro/codigo/", {"otp_code": "123456"}).content.decode()
    assert "Código incorrecto. Te quedan 4 intentos." in page
    assert User.objects.filter(customer=other).count() == 1
    # The enrolled member is told someone tried.
    assert Notification.objects.filter(
        recipient=other.email, subject="Intento de registro en Cooprogreso en Línea"
    ).exists()


def test_with_approval_required_staff_approve_in_the_back_office(client, person, settings):
    settings.ENROLMENT_REQUIRES_APPROVAL = True
    enrol(client)
    result = client.post("/registro/codigo/", {"otp_code": code_sent("lucia@example.com")})
    assert "Cuando la cooperativa la apruebe" in result.content.decode()
    enrolment = Enrolment.objects.get(member=person)
    assert enrolment.status == Enrolment.Status.PENDING
    assert not User.objects.filter(customer=person).exists()

    staff = User.objects.create_superuser("personal01", "staff@example.com", PASSWORD)
    client.force_login(staff)
    response = client.post(
        "/backoffice/identity/enrolment/",
        {"action": "approve", "_selected_action": [enrolment.pk]},
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.APPROVED and enrolment.decided_by == staff
    assert (
        "Usuario temporal:" in Notification.objects.filter(recipient=person.email).latest("id").body
    )


def test_forgot_username_sends_it_by_email(client, member_user):
    member = member_user.customer
    client.post("/olvide-usuario/", {"id_type": "CEDULA", "identification": member.identification})
    client.get("/olvide-usuario/codigo/")
    result = client.post("/olvide-usuario/codigo/", {"otp_code": code_sent(member.email)})
    assert "Enviamos tu usuario" in result.content.decode()
    assert member_user.username in Notification.objects.latest("id").body


def lock(client, user):
    for _ in range(3):
        client.post("/ingresar/", {"username": user.username, "password": "Mala$1234"})


def test_self_service_unlock(client, member_user):
    lock(client, member_user)
    assert (
        "Tu usuario está bloqueado"
        in client.post(
            "/ingresar/", {"username": member_user.username, "password": PASSWORD}
        ).content.decode()
    )
    data = {
        "id_type": "CEDULA",
        "identification": member_user.customer.identification,
        "username": member_user.username,
    }
    client.post("/desbloquear/", data)
    client.get("/desbloquear/codigo/")
    result = client.post("/desbloquear/codigo/", {"otp_code": code_sent()})
    assert "Tu usuario fue desbloqueado" in result.content.decode()
    assert sign_in(client, member_user.username)["Location"] == "/"


def test_unlocking_a_user_that_is_not_locked_says_so(client, member_user):
    client.post(
        "/desbloquear/",
        {
            "id_type": "CEDULA",
            "identification": member_user.customer.identification,
            "username": member_user.username,
        },
    )
    client.get("/desbloquear/codigo/")
    result = client.post("/desbloquear/codigo/", {"otp_code": code_sent()})
    assert "Tu usuario no está bloqueado." in result.content.decode()


def test_unlock_with_someone_elses_username_sends_no_code(client, member_user, outsider):
    client.post(
        "/desbloquear/",
        {
            "id_type": "CEDULA",
            "identification": member_user.customer.identification,
            "username": outsider.username,
        },
    )
    page = client.get("/desbloquear/codigo/").content.decode()
    assert "Factor de seguridad" in page
    assert not sent_codes().exists()
    assert OtpChallenge.objects.get().user is None  # a decoy nobody can pass


def test_decoys_answer_every_try_like_real_codes(client, member_user):
    def run(identification):
        client.post("/olvide-usuario/", {"id_type": "CEDULA", "identification": identification})
        pages = [client.post("/olvide-usuario/codigo/", {"otp_code": "000000"}) for _ in range(6)]
        pages.append(client.post("/olvide-usuario/codigo/", {"otp_step": "resend"}))
        return [re.findall(r'role="alert"[^>]*>([^<]+)<', p.content.decode()) for p in pages]

    real = run(member_user.customer.identification)
    # one code sent; the resend after the block is refused, as for the decoy
    assert sent_codes().count() == 1
    nobody = run("0926687856")
    assert real == nobody
    assert nobody[0] == ["Código incorrecto. Te quedan 4 intentos."]
    assert nobody[4] == ["Demasiados intentos fallidos: el código fue anulado."]


def test_a_member_without_contact_data_gets_the_same_screens(client):
    MemberFactory(identification=VALID_CEDULA, email="", phone="")
    page = enrol(client)
    assert "Factor de seguridad" in page and 'name="otp_challenge" value=""' in page
    assert not sent_codes().exists()


def forgot(client, user, image):
    client.post(
        "/olvide-contrasena/",
        {
            "id_type": "CEDULA",
            "identification": user.customer.identification,
            "username": user.username,
        },
    )
    return client.post("/olvide-contrasena/imagen/", {"image": image})


def test_forgot_password_needs_the_image_and_the_code_then_forces_a_change(client, member_user):
    member_user.security_image = "estrella"
    member_user.save()
    lock(client, member_user)
    assert forgot(client, member_user, "estrella")["Location"] == "/olvide-contrasena/codigo/"
    client.get("/olvide-contrasena/codigo/")
    result = client.post("/olvide-contrasena/codigo/", {"otp_code": code_sent()})
    assert "contraseña temporal" in result.content.decode()
    temporary = re.search(
        r"Tu contraseña temporal es: (\S+)", Notification.objects.latest("id").body
    ).group(1)
    member_user.refresh_from_db()
    assert member_user.must_change_password
    # The old password no longer works; the temporary one leads to the forced change.
    old = client.post("/ingresar/", {"username": member_user.username, "password": PASSWORD})
    assert "Usuario o contraseña incorrectos." in old.content.decode()
    response = client.post("/ingresar/", {"username": member_user.username, "password": temporary})
    assert response["Location"] == "/ingresar/contrasena/"


def test_a_wrong_image_leads_to_a_code_that_never_comes(client, member_user):
    member_user.security_image = "estrella"
    member_user.save()
    for _ in range(3):
        response = forgot(client, member_user, "delfin")
        assert response["Location"] == "/olvide-contrasena/codigo/"  # as with the right one
        page = client.post("/olvide-contrasena/codigo/", {"otp_code": "123456"}).content.decode()
        assert "Código incorrecto" in page
    assert not sent_codes().exists()
    member_user.refresh_from_db()
    assert not member_user.must_change_password
    alert = Notification.objects.get(subject="Alerta de seguridad")
    assert (
        "no eligió tu imagen de seguridad" in alert.body
        and alert.recipient == member_user.customer.email
    )


def test_the_code_step_cannot_be_reached_without_the_image(client, member_user):
    client.post(
        "/olvide-contrasena/",
        {
            "id_type": "CEDULA",
            "identification": member_user.customer.identification,
            "username": member_user.username,
        },
    )
    assert client.get("/olvide-contrasena/codigo/")["Location"] == "/olvide-contrasena/"


def test_staff_unlock_from_the_admin(client, member_user):
    lock(client, member_user)
    staff = User.objects.create_superuser("personal01", "staff@example.com", PASSWORD)
    client.force_login(staff)
    client.post(
        "/backoffice/identity/user/", {"action": "unlock", "_selected_action": [member_user.pk]}
    )
    client.post(reverse("identity:logout"))
    assert sign_in(client, member_user.username)["Location"] == "/"
    from identity.models import AuditEvent

    assert AuditEvent.objects.filter(action="credentials.unlock", actor=staff).exists()


def test_company_members_cannot_self_enrol(client):
    MemberFactory(identification=VALID_CEDULA, kind=Member.Kind.COMPANY)
    enrol(client)
    client.post("/registro/codigo/", {"otp_code": "123456"})
    assert not User.objects.exists()
