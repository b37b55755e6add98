"""The audit trail: who did what, from which address and device (security changes, sign-ins)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from ..models import AuditEvent, SignIn, User
from .useragents import device_info


def audit_record(
    *, actor, action: str, target, before=None, after=None, reason: str = "", ip=None, scope=""
):
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        before=before,
        after=after,
        reason=reason,
        ip=ip,
        scope=scope,
    )


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind TRUSTED_PROXIES proxies of ours, it is the entry the
    outermost one appended to X-Forwarded-For; entries left of it come from the client and
    could say anything, so they are never used."""
    hops = settings.TRUSTED_PROXIES
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            candidate = forwarded[-hops]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                return None
    return request.META.get("REMOTE_ADDR") or None


def describe_device(user_agent: str) -> str:
    return device_info(user_agent or "").label


def sign_in_record(*, user: User, request: HttpRequest) -> SignIn:
    ua = request.META.get("HTTP_USER_AGENT", "")[:300]
    return SignIn.objects.create(
        user=user, ip=client_ip(request), user_agent=ua, device=describe_device(ua)
    )
