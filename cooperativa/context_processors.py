from functools import cache

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

from enterprise.selectors.menu import company_menu, company_menu_links
from identity.selectors import previous_sign_in_for_request


@cache
def layout_links() -> dict[str, str]:
    """The fixed links every page's layout carries, resolved once per process: on the busiest
    pages {% url %} and {% static %} were a tenth of the rendering time."""
    return {
        "position": reverse("accounts:position"),
        "statement": reverse("accounts:statement"),
        "transfers": reverse("transfers:index"),
        "beneficiaries": reverse("transfers:beneficiaries"),
        "cards": reverse("transfers:cards"),
        "services": reverse("payments:index"),
        "toggle_amounts": reverse("accounts:toggle_amounts"),
        "logout": reverse("identity:logout"),
        "login": reverse("identity:login"),
        "idle_warning": reverse("identity:idle_warning"),
        "profile": reverse("identity:profile"),
        "payroll": reverse("payroll:index"),
        **company_menu_links(),
        "css": static("css/portal.css"),
        "logo": static("img/logo.svg"),
        "js": static("js/portal.js"),
    }


def portal(request):
    user = getattr(request, "user", None)
    context = {"cooperative": settings.COOPERATIVE, "hide_amounts": False, "links": layout_links()}
    if user is None or not user.is_authenticated:
        return context
    context.update(
        session_idle=_session_idle(),
        hide_amounts=user.hide_amounts,
        last_sign_in=previous_sign_in_for_request(request),
    )
    menu = company_menu(request, user)
    if menu is None:
        # A member's menu: everything the retail portal offers.
        context.update(
            company_profile=None,
            can_transfer=True,
            can_position=True,
            can_beneficiaries=True,
            can_pay_cards=True,
            can_pay_services=True,
        )
    else:
        context.update(menu)
    context["menu_section"] = menu_section(request, context.get("enterprise_section", ""))
    return context


# Which menu entry a page belongs to (its link is marked current): by app, with the pages that
# belong to another entry than their app's. Enterprise pages are sorted by ``company_menu``;
# support is reached from the profile page and has no entry of its own.
_MENU_APPS = {
    "accounts": "position",  # an account's movements, a receipt, an investment
    "transfers": "transfers",
    "payments": "services",
    "payroll": "payroll",
    "identity": "profile",
}
_MENU_PAGES = {
    ("accounts", "statement"): "statement",
    ("transfers", "beneficiaries"): "beneficiaries",
    ("transfers", "beneficiary_new"): "beneficiaries",
    ("transfers", "beneficiary_edit"): "beneficiaries",
    ("transfers", "beneficiary_delete"): "beneficiaries",
    ("transfers", "cards"): "cards",
    ("transfers", "card_pay"): "cards",
    ("transfers", "card_confirm"): "cards",
    ("transfers", "card_receipt"): "cards",
}


def menu_section(request, enterprise_section: str = "") -> str:
    """The menu entry of the page answering ``request`` ("" when it has none)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.app_name == "enterprise":
        return enterprise_section
    page = (match.app_name, match.url_name)
    return _MENU_PAGES.get(page) or _MENU_APPS.get(match.app_name, "")


def _session_idle() -> dict:
    from identity.middleware import touch_every

    # The page's timer runs short by the server's write interval, so the warning never comes
    # after the server already ended the session.
    seconds = max(1, int(settings.SESSION_IDLE_SECONDS - touch_every()))
    return {"seconds": seconds, "warning": min(settings.SESSION_IDLE_WARNING_SECONDS, seconds)}
