import ipaddress

from django.conf import settings
from django.db.models import F
from django.http import HttpRequest

from .models import AuditEvent, Member, SignIn, User
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


def lockout_username(request, credentials: dict | None = None) -> str | None:
    """The username django-axes records a failure under (AXES_USERNAME_CALLABLE). Its
    columns hold 255 characters: a longer value from any path that reports a failure would
    break the request on PostgreSQL, and no username is that long anyway."""
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get("username") if source else None
    return username[:255] if isinstance(username, str) else username


def describe_device(user_agent: str) -> str:
    return device_info(user_agent or "").label


def sign_in_record(*, user: User, request: HttpRequest) -> SignIn:
    ua = request.META.get("HTTP_USER_AGENT", "")[:300]
    return SignIn.objects.create(
        user=user, ip=client_ip(request), user_agent=ua, device=describe_device(ua)
    )


def user_set_hide_amounts(*, user: User, hide: bool) -> None:
    user.hide_amounts = hide
    user.save(update_fields=["hide_amounts"])


def member_products_changed(*, member_ids) -> None:
    """Call inside the transaction that changes a member's products (accounts, holds, term
    deposits, loans, cards): pages cached for the old version stop being served."""
    ids = sorted({pk for pk in member_ids if pk is not None})
    if ids:
        Member.objects.filter(pk__in=ids).update(products_version=F("products_version") + 1)
