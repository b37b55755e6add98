"""Logs a person can follow across hosts: one JSON object per line, each with the request's id
and the signed-in user's id, and nothing secret in them.

``RequestIdMiddleware`` gives every request an id (the proxy's ``X-Request-ID`` when it is a
sane token, a new one otherwise), sends it back in the response and puts it, with the user's
id once known, in a context variable that ``RequestContextFilter`` copies into every record
logged while the request runs. ``JsonFormatter`` writes the record; ``redact`` masks what may
never reach a log even by mistake: card numbers (13-19 digits) and the values of fields named
like passwords, codes, PINs or tokens.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar("request_log", default=None)

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Not after a decimal point: "succeeded in 0.0123456789012s" is a duration, not a card.
_CARD = re.compile(r"(?<![\d.])(\d[ -]?){12,18}\d(?!\d)")
_SECRET_FIELD = re.compile(
    r"(?i)\b(password|passwd|contraseña|clave|pin|otp|code|codigo|código|token|secret|"
    r"csrfmiddlewaretoken|card_number|numero_tarjeta)\b(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s,&;]+)"
)


def redact(text: str) -> str:
    text = _SECRET_FIELD.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    return _CARD.sub("[tarjeta]", text)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        token = _context.set({"request_id": request.request_id, "user_id": None})
        try:
            response = self.get_response(request)
        finally:
            _context.reset(token)
        response["X-Request-ID"] = request.request_id
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # After authentication: the user is known from here on.
        context = _context.get()
        user = getattr(request, "user", None)
        if context is not None and user is not None and user.is_authenticated:
            context["user_id"] = user.pk


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get() or {}
        record.request_id = context.get("request_id")
        record.user_id = context.get("user_id")
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None),
            "user_id": getattr(record, "user_id", None),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)
