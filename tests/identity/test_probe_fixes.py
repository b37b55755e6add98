"""Attacks from the black-box probe on the flows anyone can start before signing in, each replayed:
recovery floods that spent a member's codes and locked her out, enrolment mail bombing, a
256-character username, and the time "Olvidé mi usuario" took when the cédula had a user."""

import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.db import connection
from django.test.utils import CaptureQueriesContext

from identity.models import Notification, OtpChallenge, RecoveryRequest
from identity.services.lockout import user_is_locked
from identity.services.otp import challenge_start
from tests.auth import code_sent, sign_in
from tests.factories import PASSWORD, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

CODE = "Tu código de verificación"
REFUSED = "Recibimos demasiadas solicitudes"


@pytest.fixture
def victim(db):
    return UserFactory(
        username="victima01",
        email="victima@example.com",
        customer__email="victima@example.com",
        customer__identification="1713175071",
    )


def delivered(recipient, subject=None):
    rows = Notification.objects.filter(recipient=recipient).exclude(
        status=Notification.Status.SUPPRESSED
    )
    return rows.filter(subject=subject) if subject else rows


def forgot_username(client, identification, ip="203.0.113.9", resends=0):
    response = client.post(
        "/olvide-usuario/",
        {"id_type": "CEDULA", "identification": identification},
        REMOTE_ADDR=ip,
    )
    for _ in range(resends):
        client.post("/olvide-usuario/codigo/", {"otp_step": "resend"}, REMOTE_ADDR=ip)
    return response


def unlock(client, user, ip):
    data = {"id_type": "CEDULA", "identification": user.customer.identification}
    response = client.post("/desbloquear/", {**data, "username": user.username}, REMOTE_ADDR=ip)
    assert response.status_code == 302, response.content.decode()[:400]
    client.get("/desbloquear/codigo/", REMOTE_ADDR=ip)
    return client.post(
        "/desbloquear/codigo/", {"otp_code": code_sent(user.email)}, REMOTE_ADDR=ip
    ).content.decode()


def wrong_passwords(client, user, ip, times=3):
    for _ in range(times):
        client.post(
            "/ingresar/", {"username": user.username, "password": "Mala$Clave1"}, REMOTE_ADDR=ip
        )


# --- 2. Recovery floods ---------------------------------------------------------------------


def test_a_recovery_flood_does_not_spend_the_members_sign_in_or_operation_codes(client, victim):
    for _ in range(10):
        forgot_username(client, victim.customer.identification, resends=3)
    assert delivered(victim.email, CODE).count() <= 3
    # Her own sign-in still sends her a code, and a transfer code too.
    response = sign_in(client, victim.username, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302 and response["Location"] == "/"
    challenge = challenge_start(
        user=victim, purpose="transfer", operation={"amount": "5"}, description="transferir"
    )
    assert challenge.status == OtpChallenge.Status.PENDING


def test_at_most_three_recovery_emails_an_hour_reach_one_person_from_many_addresses(client, victim):
    for n in range(20):
        forgot_username(client, victim.customer.identification, ip=f"203.0.113.{n}", resends=3)
    assert delivered(victim.email).count() == 3


def test_recovery_requests_are_limited_per_client_address_whatever_the_data(client, victim):
    others = [MemberFactory().identification for _ in range(10)]
    for identification in others:
        assert forgot_username(client, identification).status_code == 302
    refused_real = forgot_username(client, victim.customer.identification)
    refused_nobody = forgot_username(client, "0926687856")
    assert refused_real.status_code == refused_nobody.status_code == 429
    assert REFUSED in refused_real.content.decode()

    def strip(html):
        return re.sub(r'(value="|"X-CSRFToken": ")[^"]*"', "", html)

    # The same page whether or not the cédula has a user: the refusal tells nothing.
    assert strip(refused_real.content.decode()) == strip(refused_nobody.content.decode())
    # Another client address is not affected.
    assert forgot_username(client, victim.customer.identification, ip="198.51.100.1").status_code
    assert delivered(victim.email).count() == 1


def test_recovery_requests_are_limited_per_identification_from_any_address(client, victim):
    for n in range(5):
        assert forgot_username(client, "0926687856", ip=f"203.0.113.{n}").status_code == 302
    assert forgot_username(client, "0926687856", ip="198.51.100.1").status_code == 429
    assert RecoveryRequest.objects.count() == 5


def test_the_real_member_unlocks_from_her_registered_browser_after_a_flood(client, victim):
    from django.test import Client

    sign_in(client, victim.username, device_alias="Mi laptop")  # her browser, registered
    client.post("/salir/")
    attacker = Client()
    for n in range(12):
        forgot_username(attacker, victim.customer.identification, ip="203.0.113.50", resends=3)
        attacker.post(
            "/desbloquear/",
            {
                "id_type": "CEDULA",
                "identification": victim.customer.identification,
                "username": victim.username,
            },
            REMOTE_ADDR=f"203.0.113.{60 + n}",
        )
    wrong_passwords(attacker, victim, "203.0.113.50")
    assert user_is_locked(user=victim)
    # Strangers got the most any stranger gets; her own browser, even behind the same
    # address as the attacker, still gets a code.
    assert delivered(victim.email).filter(budget="recovery").count() == 3
    page = unlock(client, victim, ip="203.0.113.50")
    assert "Tu usuario fue desbloqueado" in page
    assert not user_is_locked(user=victim)
    response = sign_in(client, victim.username, REMOTE_ADDR="203.0.113.50")
    assert response.status_code == 302 and response["Location"] == "/"


def test_five_wrong_recovery_codes_alert_within_the_same_budget(client, victim):
    for n in range(5):
        forgot_username(client, victim.customer.identification, ip=f"203.0.113.{n}")
        for _ in range(5):
            client.post("/olvide-usuario/codigo/", {"otp_code": "000000"})
    # Codes and "5 wrong codes" alerts together: three messages.
    assert delivered(victim.email).count() == 3


# --- 6. Enrolment mail bombing --------------------------------------------------------------


def enrol_attempt(client, identification, ip):
    response = client.post(
        "/registro/", {"id_type": "CEDULA", "identification": identification}, REMOTE_ADDR=ip
    )
    if response.status_code != 302:
        return response
    page = client.get("/registro/terminos/", REMOTE_ADDR=ip).content.decode()
    ids = re.findall(r'name="(accept_\d+)"', page)
    return client.post("/registro/terminos/", dict.fromkeys(ids, "on"), REMOTE_ADDR=ip)


def test_enrolment_attempts_with_an_enrolled_cedula_send_one_notice(client, victim):
    for n in range(15):
        enrol_attempt(client, victim.customer.identification, ip=f"203.0.113.{n}")
    notices = delivered(victim.email, "Intento de registro en Cooprogreso en Línea")
    assert notices.count() == 1
    assert delivered(victim.email).count() == 1


def test_enrolment_posts_from_one_address_are_throttled(client, victim):
    statuses = [
        enrol_attempt(client, victim.customer.identification, ip="203.0.113.1").status_code
        for _ in range(15)
    ]
    assert statuses.count(429) >= 10


# --- 7. Long input where the lockout records it ---------------------------------------------


def test_a_256_character_username_is_a_form_error_not_a_server_error(client):
    response = client.post("/ingresar/", {"username": "a" * 256, "password": PASSWORD})
    assert response.status_code == 200
    assert "El usuario no puede tener más de 150 caracteres." in response.content.decode()
    too_long = [
        *AccessAttempt.objects.values_list("username", flat=True),
        *AccessFailureLog.objects.values_list("username", flat=True),
    ]
    assert all(len(name or "") <= 255 for name in too_long)


def test_a_huge_password_is_a_form_error(client, victim):
    response = client.post("/ingresar/", {"username": victim.username, "password": "x" * 5000})
    assert response.status_code == 200
    assert "La contraseña no puede tener más de 128 caracteres." in response.content.decode()


def test_the_lockout_never_records_more_than_its_column_holds(rf):
    from identity.services.lockout import lockout_username

    request = rf.post("/ingresar/", {"username": "b" * 400})
    assert len(lockout_username(request, None)) == 255
    assert lockout_username(request, {"username": "c" * 300}) == "c" * 255


# --- 10. The same work whether or not the cédula has a user ---------------------------------


def _shape(queries):
    """Each statement's verb and table, in order: what the database is asked to do."""
    shapes = []
    for query in queries:
        sql = query["sql"]
        verb = sql.split()[0].upper()
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql, re.IGNORECASE)
        shapes.append((verb, table.group(1) if table else ""))
    return shapes


def test_forgot_username_does_the_same_work_for_a_cedula_with_and_without_a_user(
    client, victim, django_capture_on_commit_callbacks
):
    def attempt(identification):
        client.cookies.clear()
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks() as callbacks,
        ):
            response = forgot_username(client, identification)
        assert response.status_code == 302
        # The session row written at the end differs only by being an insert or an update.
        return [s for s in _shape(queries.captured_queries) if s[1] != "django_session"], len(
            callbacks
        )

    attempt(victim.customer.identification)  # warm up whatever is loaded once
    with_user = attempt(victim.customer.identification)
    without = attempt("0926687856")
    assert with_user == without
    assert with_user[1] == 1  # the same single wake-up of the outbox


# --- Found by a second look (review): each a way around the budgets above ------------------


def test_reposting_a_passed_step_starts_no_other_code(client, victim):
    victim.security_image = ""  # a company user's: any picture goes on to the code
    victim.save(update_fields=["security_image"])
    data = {
        "id_type": "CEDULA",
        "identification": victim.customer.identification,
        "username": victim.username,
    }
    assert client.post("/olvide-contrasena/", data).status_code == 302
    first = client.post("/olvide-contrasena/imagen/", {"image": "mapa"})
    assert first["Location"] == "/olvide-contrasena/codigo/"
    for _ in range(10):
        again = client.post("/olvide-contrasena/imagen/", {"image": "mapa"})
        assert again["Location"] == "/olvide-contrasena/"  # back to the start
    assert OtpChallenge.objects.filter(purpose="forgot_password").count() == 1
    assert RecoveryRequest.objects.count() == 1


def test_a_strangers_request_never_voids_the_code_she_asked_for_from_her_browser(client, victim):
    from django.test import Client

    sign_in(client, victim.username, device_alias="Mi laptop")
    client.post("/salir/")
    attacker = Client()
    unlock_data = {
        "id_type": "CEDULA",
        "identification": victim.customer.identification,
        "username": victim.username,
    }
    client.post("/desbloquear/", unlock_data)
    code = code_sent(victim.email)
    for n in range(4):  # sent ones and, past the budget, unsent ones
        attacker.post("/desbloquear/", unlock_data, REMOTE_ADDR=f"203.0.113.{n}")
    page = client.post("/desbloquear/codigo/", {"otp_code": code}).content.decode()
    assert "Tu usuario no está bloqueado." in page


def test_an_expired_code_is_not_revived_next_to_a_newer_one(victim):
    from datetime import timedelta

    from django.utils import timezone

    from identity.services.otp import OtpError, challenge_resend, challenge_verify

    def start():
        return challenge_start(
            user=victim, purpose="transfer", operation={"a": 1}, description="transferir"
        )

    old = start()
    OtpChallenge.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(1))
    with pytest.raises(OtpError):  # noticed as expired
        challenge_verify(
            challenge_id=old.pk, user=victim, purpose="transfer", operation={"a": 1}, code="1"
        )
    start()
    with pytest.raises(OtpError, match="ya no es válido"):
        challenge_resend(challenge_id=old.pk, user=victim)
    live = OtpChallenge.objects.filter(user=victim, status=OtpChallenge.Status.PENDING)
    assert live.count() == 1


def test_the_security_image_alert_counts_within_the_same_three_messages(client, victim):
    from django.test import Client

    victim.security_image = "billete"
    victim.save(update_fields=["security_image"])
    forgot_username(client, victim.customer.identification, ip="203.0.113.1", resends=2)
    for n in range(3):
        stranger = Client()
        stranger.post(
            "/olvide-contrasena/",
            {
                "id_type": "CEDULA",
                "identification": victim.customer.identification,
                "username": victim.username,
            },
            REMOTE_ADDR=f"203.0.114.{n}",
        )
        stranger.post("/olvide-contrasena/imagen/", {"image": "mapa"}, REMOTE_ADDR="203.0.114.9")
    assert delivered(victim.email).count() == 3


def _flow_shapes(victim, identification, ip):
    from django.test import Client

    browser = Client()
    forgot_username(browser, identification, ip=ip)
    with CaptureQueriesContext(connection) as shown:
        browser.get("/olvide-usuario/codigo/", REMOTE_ADDR=ip)
    with CaptureQueriesContext(connection) as verified:
        browser.post("/olvide-usuario/codigo/", {"otp_code": "000000"}, REMOTE_ADDR=ip)
    keep = [s for s in _shape(shown.captured_queries) if s[1] != "django_session"]
    return keep, [s for s in _shape(verified.captured_queries) if s[1] != "django_session"]


def test_the_code_step_does_the_same_work_matched_or_not(victim):
    _flow_shapes(victim, "0926687856", "203.0.113.1")  # warm-up
    matched = _flow_shapes(victim, victim.customer.identification, "203.0.113.2")
    nobody = _flow_shapes(victim, "0926687856", "203.0.113.3")
    assert matched == nobody


def test_the_enrolment_terms_step_does_the_same_work_enrolled_or_unknown(victim):
    from django.test import Client

    def terms_post(identification, ip):
        browser = Client()
        browser.post(
            "/registro/", {"id_type": "CEDULA", "identification": identification}, REMOTE_ADDR=ip
        )
        page = browser.get("/registro/terminos/", REMOTE_ADDR=ip).content.decode()
        ids = re.findall(r'name="(accept_\d+)"', page)
        with CaptureQueriesContext(connection) as queries:
            browser.post("/registro/terminos/", dict.fromkeys(ids, "on"), REMOTE_ADDR=ip)
        return [s for s in _shape(queries.captured_queries) if s[1] != "django_session"]

    terms_post("0926687856", "203.0.113.1")  # warm-up
    assert terms_post("0926687856", "203.0.113.2") == terms_post(
        victim.customer.identification, "203.0.113.3"
    )


def test_recovery_mail_budgets_treat_an_address_in_any_case_as_one_inbox(client, victim):
    victim.email = "Victima@Example.com"
    victim.save(update_fields=["email"])
    for n in range(6):
        forgot_username(client, victim.customer.identification, ip=f"203.0.113.{n}")
    sent = Notification.objects.exclude(status=Notification.Status.SUPPRESSED)
    assert sent.filter(recipient__iexact="victima@example.com").count() == 3
