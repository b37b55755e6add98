"""Signing in as a person does: password, the steps the portal asks for, the code from the
outbox."""

import re

from django.urls import reverse

from identity.models import Notification
from tests.factories import PASSWORD

CODE_RE = re.compile(r"Código (\d{6}) para")
STEP_RE = re.compile(r"^/ingresar/([a-z]+)/$")


def code_sent(recipient: str | None = None) -> str:
    """The latest one-time code the outbox holds (for ``recipient`` when given)."""
    messages = Notification.objects.filter(body__contains="Código").order_by("-id")
    if recipient:
        messages = messages.filter(recipient=recipient)
    message = messages.first()
    assert message is not None, "no se envió ningún código"
    return CODE_RE.search(message.body).group(1)


def sign_in(client, username: str, password: str = PASSWORD, *, device_alias: str = "", **extra):
    """Walks the sign-in to the end; returns the last response (the redirect into the portal).
    ``device_alias`` registers the browser; otherwise the device prompt is answered "No"."""
    response = client.post(
        reverse("identity:login"), {"username": username, "password": password}, **extra
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
