"""SMS gateways. The portal talks to ``SmsBackend``; settings choose the implementation."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class FileSmsBackend:
    """Development and tests: each message is a file under ``SMS_FILE_PATH`` (var/sms/)."""

    def send(self, *, phone: str, text: str) -> None:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        safe_phone = re.sub(r"[^0-9+]", "", phone)[:20] or "sin-numero"
        name = f"{timezone.now():%Y%m%d-%H%M%S}-{safe_phone}-{uuid.uuid4().hex[:8]}.txt"
        (folder / name).write_text(f"Para: {phone}\n\n{text}\n", encoding="utf-8")


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


class HttpSmsBackend:
    """A provider's HTTP API: POSTs ``{"to": phone, "text": text}`` as JSON to ``SMS_HTTP_URL``
    with ``Authorization: Bearer SMS_HTTP_TOKEN``. Anything but a 2xx answer raises, so the
    outbox records the failure and retries."""

    def send(self, *, phone: str, text: str) -> None:
        import json
        import urllib.request

        url = settings.SMS_HTTP_URL
        if not url.startswith(("https://", "http://")):
            raise ValueError("SMS_HTTP_URL debe ser una URL http(s)")
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            url,
            data=json.dumps({"to": phone, "text": text}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=settings.SMS_HTTP_TIMEOUT) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise OSError(f"SMS provider answered {response.status}")
