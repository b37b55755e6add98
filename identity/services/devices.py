"""Registered devices: the browser keeps a random token in a cookie, the database its hash."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from common.formatting import datetime_short

from ..models import TrustedDevice
from .audit import audit_record, client_ip
from .notifications import notification_queue
from .useragents import device_info


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def device_token(request) -> str:
    return request.get_signed_cookie(
        settings.DEVICE_COOKIE_NAME, default="", salt="identity.device"
    )


def device_for_request(*, user, request) -> TrustedDevice | None:
    token = device_token(request)
    if not token:
        return None
    return TrustedDevice.objects.filter(
        user=user, token_hash=_hash(token), removed_at__isnull=True
    ).first()


def device_touch(*, device: TrustedDevice, request) -> None:
    device.last_active_at = timezone.now()
    device.ip = client_ip(request)
    device.save(update_fields=["last_active_at", "ip"])


def device_register(*, user, request, alias: str) -> tuple[TrustedDevice, str]:
    """Registers this browser for the user; returns the device and the cookie token to set
    (the browser's existing token when it has one, so one browser is one token)."""
    token = device_token(request) or secrets.token_urlsafe(32)
    info = device_info(request.META.get("HTTP_USER_AGENT", "")[:300])
    with transaction.atomic():
        device, _ = TrustedDevice.objects.update_or_create(
            user=user,
            token_hash=_hash(token),
            removed_at__isnull=True,
            defaults={
                "alias": alias[:40],
                "browser": info.browser,
                "device_type": info.device_type,
                "os_name": info.os_name,
                "os_version": info.os_version,
                "ip": client_ip(request),
                "last_active_at": timezone.now(),
            },
        )
        audit_record(
            actor=user,
            action="device.register",
            target=device,
            after={"alias": device.alias, "browser": device.browser, "os": device.os_name},
            ip=client_ip(request),
        )
    return device, token


def device_cookie_set(response, token: str) -> None:
    response.set_signed_cookie(
        settings.DEVICE_COOKIE_NAME,
        token,
        salt="identity.device",
        max_age=settings.DEVICE_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def device_remove(*, user, device_id: int, reason: str, request) -> TrustedDevice:
    with transaction.atomic():
        device = TrustedDevice.objects.select_for_update().get(
            pk=device_id, user=user, removed_at__isnull=True
        )
        device.removed_at = timezone.now()
        device.removal_reason = reason[:200]
        device.save(update_fields=["removed_at", "removal_reason"])
        audit_record(
            actor=user,
            action="device.remove",
            target=device,
            before={"alias": device.alias},
            reason=reason,
            ip=client_ip(request),
        )
    return device


def new_device_notice(*, user, request) -> None:
    """Tells the user someone signed in from a browser they never registered."""
    member = user.customer
    email = user.email or (member.email if member else "")
    if not email:
        return
    info = device_info(request.META.get("HTTP_USER_AGENT", "")[:300])
    notification_queue(
        channel="EMAIL",
        recipient=email,
        user=user,
        subject=gettext("Nuevo inicio de sesión"),
        body=gettext(
            "Se ingresó a tu banca en línea desde un dispositivo no registrado: %(device)s "
            "(%(os)s), dirección %(ip)s, el %(at)s. Si no fuiste tú, cambia tu contraseña y "
            "comunícate con la cooperativa al %(phone)s."
        )
        % {
            "device": info.label,
            "os": f"{info.os_name} {info.os_version}".strip(),
            "ip": client_ip(request) or "-",
            "at": datetime_short(timezone.now()),
            "phone": settings.COOPERATIVE["phone"],
        },
    )
