"""The wrong-password lockout (django-axes): the username a failure is recorded under, whether a
user is locked, and unlocking."""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.conf import settings
from django.db.models import Sum

from ..models import User
from .audit import audit_record, client_ip


def lockout_username(request, credentials: dict | None = None) -> str | None:
    """The username django-axes records a failure under (AXES_USERNAME_CALLABLE). Its
    columns hold 255 characters: a longer value from any path that reports a failure would
    break the request on PostgreSQL, and no username is that long anyway."""
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get("username") if source else None
    return username[:255] if isinstance(username, str) else username


def user_is_locked(*, user: User) -> bool:
    from axes.models import AccessAttempt

    # As django-axes counts for the "username" parameter: failures summed over all addresses.
    failures = AccessAttempt.objects.filter(username=user.username).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return (failures or 0) >= settings.AXES_FAILURE_LIMIT


def user_unlock(*, user: User, actor, request=None) -> bool:
    """Clears the wrong-password count; returns whether the user was locked."""
    locked = user_is_locked(user=user)
    axes_reset(username=user.username)
    if locked:
        audit_record(
            actor=actor,
            action="credentials.unlock",
            target=user,
            ip=client_ip(request) if request else None,
        )
    return locked
