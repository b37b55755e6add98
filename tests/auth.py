"""Signing in as a person does: password, the steps the portal asks for, the code from the
outbox."""

import re

from django.core import mail
from django.urls import reverse

from identity.models import Notification
from identity.services.notifications import REDACTED
from tests.factories import PASSWORD

CODE_RE = re.compile(r"Código (\d{6}) para")
STEP_RE = re.compile(r"^/ingresar/([a-z]+)/$")


def sent_body(*, subject: str, recipient: str | None = None) -> str:
    """The text of the latest message with this subject: from the outbox row while it waits,
    from the delivered e-mail once sent (codes and credentials are erased from the row)."""
    rows = Notification.objects.filter(subject=subject).order_by("-id")
    if recipient:
        rows = rows.filter(recipient=recipient)
    row = rows.first()
    assert row is not None, f"no se envió «{subject}»"
    if row.body != REDACTED:
        return row.body
    for message in reversed(mail.outbox):
        if message.subject == subject and (not recipient or message.to == [recipient]):
            return message.body
    raise AssertionError(f"«{subject}» no está en el buzón de prueba")


def code_sent(recipient: str | None = None) -> str:
    """The latest one-time code sent (to ``recipient`` when given)."""
    body = sent_body(subject="Tu código de verificación", recipient=recipient)
    return CODE_RE.search(body).group(1)


def sign_in(
    client,
    username: str,
    password: str = PASSWORD,
    *,
    device_alias: str = "",
    next_url: str = "",
    **extra,
):
    """Walks the sign-in to the end; returns the last response (the redirect into the portal).
    ``device_alias`` registers the browser; otherwise the device prompt is answered "No"."""
    response = client.post(
        reverse("identity:login"),
        {"username": username, "password": password, "next": next_url},
        **extra,
    )
    for _ in range(6):
        match = response.status_code == 302 and STEP_RE.match(response["Location"])
        if not match:
            return response
        step, url = match.group(1), response["Location"]
        if step == "dispositivo":
            data = {"register": "si", "alias": device_alias} if device_alias else {"register": "no"}
            response = client.post(url, data, **extra)
        elif step == "codigo":
            client.get(url, **extra)
            response = client.post(url, {"otp_code": code_sent()}, **extra)
        else:
            raise AssertionError(f"paso inesperado: {step}")
    return response
