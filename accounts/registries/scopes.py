"""Which of a customer's accounts a login may see, as other apps decide (a company grants each
of its users some accounts) without this app importing them: the dependency points from them
to us, as with the position's sections."""

from collections.abc import Callable

from django.db.models import QuerySet

# provider(user) → None (no say: every account of the customer), a queryset of the accounts
# the user may see, or PermissionDenied when the user may see none of these pages.
_providers: list[Callable] = []


def register_account_scope(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def account_scope(user) -> QuerySet | None:
    for provider in _providers:
        scope = provider(user)
        if scope is not None:
            return scope
    return None
