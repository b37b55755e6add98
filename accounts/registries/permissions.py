"""Who may do what, as other apps decide, without this app (or the operations below it)
importing them: a company grants each of its users some services; a member may use everything
the portal offers them.

A *capability* is a name the app that owns the page or operation defines: an operation's code
(``"TRANSF_INTERBANCARIA"``) or a page's (``"transfers.beneficiaries.member"``)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext

# provider(user, capability) → True / False, or None when the user is not theirs to judge.
_providers: list[Callable] = []


def register_permission(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def permitted(user, capability: str) -> bool:
    for provider in _providers:
        verdict = provider(user, capability)
        if verdict is not None:
            return verdict
    return True


def customer_for(user, *capabilities: str):
    """The customer whose money a page moves or shows, when this login may use one of
    ``capabilities`` there: 404 without a customer, 403 with a refusal the person reads."""
    member = getattr(user, "customer", None)
    if member is None:
        raise Http404
    if not any(permitted(user, capability) for capability in capabilities):
        raise PermissionDenied(gettext("Tu usuario no tiene este servicio."))
    return member
