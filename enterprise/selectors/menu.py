"""What the layout's menu offers a company login: one flag per menu entry from the services its
role grants, which entry a page of this app belongs to (its link is marked current), and for
those who authorize how many orders wait for their signature ("Autorizar (3)")."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import ngettext

from ..models import ApprovalOrder, Operation, Service
from .access import services_of
from .orders import orders_to_sign_count

_TRANSFERS = {Service.TRANSFER_OWN, Service.TRANSFER_MEMBER, Service.TRANSFER_INTERBANK}
_BENEFICIARIES = {
    Service.BENEFICIARIES_MEMBER,
    Service.BENEFICIARIES_INTERBANK,
    Service.BENEFICIARIES_CARDS,
}
_QUERIES = {Service.QUERIES_ALL, Service.QUERIES_PENDING}
_LEVELS_PAGES = {"levels", "limits_edit", "level_add", "level_remove", "bands_edit"}
_ORDER_PAGES = {"order", "withdraw"}
# The menu entry (and the services behind it) where an order of each operation is registered.
_ORDER_ENTRIES = {
    Operation.TRANSFER: ("transfers", _TRANSFERS),
    Operation.PAYROLL: ("payroll", {Service.PAYROLL_REGISTER}),
    Operation.PAYMENT: ("services", {Service.SERVICE_PAYMENT}),
}
# Card payments share the payments' bands but have their own entry.
_CARD_ENTRY = ("cards", {Service.CARD_PAYMENT})
_KIND_ENTRIES = {"PAGO_TARJETA": _CARD_ENTRY, "PAGO_TARJETA_INTERBANCARIA": _CARD_ENTRY}


def company_menu_links() -> dict[str, str]:
    """The enterprise entries of the layout's menu (the shell resolves them once a process)."""
    return {
        "authorize": reverse("enterprise:pending"),
        "queries": reverse("enterprise:queries"),
        "users": reverse("enterprise:users"),
        "levels": reverse("enterprise:levels"),
    }


def company_menu(request, user) -> dict | None:
    """The menu flags of a company login (None for anyone else)."""
    # Only company logins operate a company Member: members' pages skip the lookup.
    profile = getattr(user, "company_profile", None) if user.is_company_user else None
    if profile is None:
        return None
    allowed = services_of(profile)
    can_authorize = Service.AUTHORIZE in allowed
    return {
        "company_profile": profile,
        "can_transfer": bool(allowed & _TRANSFERS),
        "can_authorize": can_authorize,
        **_pending(profile if can_authorize else None),
        "can_position": Service.POSITION in allowed,
        "can_beneficiaries": bool(allowed & _BENEFICIARIES),
        "can_query": bool(allowed & _QUERIES),
        "can_payroll": Service.PAYROLL_REGISTER in allowed,
        "can_pay_services": Service.SERVICE_PAYMENT in allowed,
        "can_pay_cards": Service.CARD_PAYMENT in allowed,
        "enterprise_section": _section(request, profile, allowed),
    }


def _pending(profile) -> dict:
    """How many orders wait for this login's signature, and the words a screen reader says
    for the number beside "Autorizar". One query, only for those who sign."""
    count = orders_to_sign_count(profile) if profile is not None else 0
    label = (
        ngettext("%(n)s orden pendiente", "%(n)s órdenes pendientes", count) % {"n": count}
        if count
        else ""
    )
    return {"authorize_pending": count, "authorize_pending_label": label}


def _section(request, profile=None, allowed=frozenset()) -> str:
    """Which enterprise entry of the menu a page of this app belongs to ("" for none)."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.app_name != "enterprise":
        return ""
    name = match.url_name or ""
    if name.startswith("user") or name == "audit":
        return "users"
    if name.startswith("quer"):
        return "queries"
    if name in _LEVELS_PAGES:
        return "levels"
    if name in _ORDER_PAGES and profile is not None and Service.AUTHORIZE not in allowed:
        return _order_section(profile, match.kwargs.get("pk"), allowed)
    return "authorize"


def _order_section(profile, pk, allowed: set[str]) -> str:
    """An order's page, for a login without "Autorizar": the entry where such orders are
    registered (Transferencias, Pagos masivos), else Consultas, where orders are looked up.
    One query, only on these pages."""
    operation, kind = (
        ApprovalOrder.objects.filter(pk=pk, company_id=profile.company_id)
        .values_list("operation", "kind")
        .first()
    ) or ("", "")
    section, services = _KIND_ENTRIES.get(kind) or _ORDER_ENTRIES.get(operation, ("", set()))
    if allowed & services:
        return section
    return "queries" if allowed & _QUERIES else ""
