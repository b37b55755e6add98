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
