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


# provider(member) → the audit scope its changes are recorded under ("" for none), or None.
_audit_providers: list[Callable] = []


def register_audit_scope(provider: Callable) -> None:
    if provider not in _audit_providers:
        _audit_providers.append(provider)


def audit_scope_of(member) -> str:
    """Under which scope a change to this customer's things is audited: a company's audit
    trail (its administrators read it) or none for a member."""
    for provider in _audit_providers:
        scope = provider(member)
        if scope is not None:
            return scope
    return ""


# provider(user) → None (no say: every account of the customer) or the accounts this login
# may debit (a company user: the ones granted to them, whatever they may see).
_debit_providers: list[Callable] = []


def register_debit_scope(provider: Callable) -> None:
    if provider not in _debit_providers:
        _debit_providers.append(provider)


def debit_scope(user) -> QuerySet | None:
    for provider in _debit_providers:
        scope = provider(user)
        if scope is not None:
            return scope
    return None
