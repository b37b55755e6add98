import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from identity.models import OtpChallenge
from identity.services.otp import (
    MAX_ATTEMPTS,
    MAX_RESENDS,
    OtpError,
    challenge_resend,
    challenge_start,
    challenge_verify,
)

pytestmark = pytest.mark.django_db

TRANSFER = {"amount": "20.00", "payee": "410100008210", "account": "410100000001"}


@pytest.fixture
def user(member_user):
    member_user.email = "socio@example.com"
    member_user.save(update_fields=["email"])
    return member_user


def start(user, django_capture_on_commit_callbacks, operation=TRANSFER):
    with django_capture_on_commit_callbacks(execute=True):
        challenge = challenge_start(
            user=user,
            purpose="transfer",
            operation=operation,
            description="transferir $20.00 a NATALIA ****8210",
        )
    code = re.search(r"Código (\d{6})", mail.outbox[-1].body).group(1)
    return challenge, code


def verify(user, challenge, code, operation=TRANSFER):
    return challenge_verify(
        challenge_id=challenge.pk, user=user, purpose="transfer", operation=operation, code=code
    )


def test_the_message_says_what_the_code_approves_and_the_code_is_not_stored(
    user, django_capture_on_commit_callbacks
):
    challenge, code = start(user, django_capture_on_commit_callbacks)
    assert (
        mail.outbox[-1].body
        == f"Código {code} para transferir $20.00 a NATALIA ****8210. No lo compartas."
    )
    assert code not in str(OtpChallenge.objects.filter(pk=challenge.pk).values().get())


def test_the_right_code_approves_the_operation_once(user, django_capture_on_commit_callbacks):
    challenge, code = start(user, django_capture_on_commit_callbacks)
    assert verify(user, challenge, code).status == OtpChallenge.Status.USED
    with pytest.raises(OtpError, match="ya no es válido"):
        verify(user, challenge, code)


def test_a_code_cannot_approve_a_changed_operation(user, django_capture_on_commit_callbacks):
    challenge, code = start(user, django_capture_on_commit_callbacks)
    with pytest.raises(OtpError, match="no corresponde a esta operación"):
        verify(user, challenge, code, operation={**TRANSFER, "amount": "2000.00"})
    with pytest.raises(OtpError, match="ya no es válido"):
        verify(user, challenge, code)  # and the code is dead for the original too


def test_the_code_expires_after_three_minutes(user, django_capture_on_commit_callbacks):
    challenge, code = start(user, django_capture_on_commit_callbacks)
    later = timezone.now() + timedelta(minutes=3, seconds=1)
    with (
        mock.patch("identity.services.otp.timezone.now", return_value=later),
        pytest.raises(OtpError, match="expiró"),
    ):
        verify(user, challenge, code)
    assert OtpChallenge.objects.get(pk=challenge.pk).status == OtpChallenge.Status.EXPIRED


def test_five_wrong_codes_kill_the_challenge_and_alert_the_member(
    user, django_capture_on_commit_callbacks
):
    challenge, code = start(user, django_capture_on_commit_callbacks)
    wrong = "000000" if code != "000000" else "111111"
    for left in range(MAX_ATTEMPTS - 1, 0, -1):
        told = f"Te quedan {left} intentos" if left > 1 else "Te queda 1 intento\\."
        with pytest.raises(OtpError, match=told):
            verify(user, challenge, wrong)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(OtpError, match="anulado"):
        verify(user, challenge, wrong)
    assert OtpChallenge.objects.get(pk=challenge.pk).status == OtpChallenge.Status.BLOCKED
    assert mail.outbox[-1].subject == "Alerta de seguridad"
    with pytest.raises(OtpError):
        verify(user, challenge, code)  # even the right code no longer passes


def test_resends_are_limited_and_only_the_latest_code_passes(
    user, django_capture_on_commit_callbacks
):
    challenge, first = start(user, django_capture_on_commit_callbacks)
    for _ in range(MAX_RESENDS):
        with django_capture_on_commit_callbacks(execute=True):
            challenge_resend(challenge_id=challenge.pk, user=user)
    latest = re.search(r"Código (\d{6})", mail.outbox[-1].body).group(1)
    with pytest.raises(OtpError, match="máximo de reenvíos"):
        challenge_resend(challenge_id=challenge.pk, user=user)
    if first != latest:
        with pytest.raises(OtpError, match="incorrecto"):
            verify(user, challenge, first)
    assert verify(user, challenge, latest).status == OtpChallenge.Status.USED


def test_another_users_challenge_is_not_theirs(user, outsider, django_capture_on_commit_callbacks):
    challenge, code = start(user, django_capture_on_commit_callbacks)
    with pytest.raises(OtpError, match="no es válido"):
        verify(outsider, challenge, code)


def test_a_new_challenge_for_the_same_purpose_cancels_the_old(
    user, django_capture_on_commit_callbacks
):
    old, old_code = start(user, django_capture_on_commit_callbacks)
    start(user, django_capture_on_commit_callbacks)
    with pytest.raises(OtpError, match="ya no es válido"):
        verify(user, old, old_code)
