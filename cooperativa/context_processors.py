from functools import cache

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

from identity.models import Member
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
        "toggle_amounts": reverse("accounts:toggle_amounts"),
        "logout": reverse("identity:logout"),
        "login": reverse("identity:login"),
        "idle_warning": reverse("identity:idle_warning"),
        "profile": reverse("identity:profile"),
        "authorize": reverse("enterprise:pending"),
        "queries": reverse("enterprise:queries"),
        "payroll": reverse("payroll:index"),
        "users": reverse("enterprise:users"),
        "levels": reverse("enterprise:levels"),
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
        company_profile=_company_profile(user),
    )
    profile = context["company_profile"]
    if profile is not None:
        from enterprise.approvals import services_of

        allowed = services_of(profile)
        context["can_transfer"] = bool(
            allowed & {"TRANSF_PROPIAS", "TRANSF_COOPROGRESO", "TRANSF_INTERBANCARIAS"}
        )
        context["can_authorize"] = "AUTORIZAR" in allowed
        context["can_position"] = "POSICION" in allowed
        context["can_beneficiaries"] = bool(
            allowed & {"BENEF_COOPROGRESO", "BENEF_OTROS_BANCOS", "BENEF_TARJETAS"}
        )
        context["can_query"] = bool(allowed & {"CONSULTAS_TODAS", "CONSULTAS_PENDIENTES"})
        context["can_payroll"] = "PAGO_MASIVO" in allowed
        context["enterprise_section"] = _enterprise_section(request)
    else:
        context.update(can_transfer=True, can_position=True, can_beneficiaries=True)
    return context


def _enterprise_section(request) -> str:
    """Which enterprise menu entry the page belongs to (its link is marked current)."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.app_name != "enterprise":
        return ""
    name = match.url_name or ""
    if name.startswith("user") or name == "audit":
        return "users"
    if name.startswith("quer"):
        return "queries"
    if name in {"levels", "limits_edit", "level_add", "level_remove", "bands_edit"}:
        return "levels"
    return "authorize"


def _company_profile(user):
    # Only company logins operate a company Member: members' pages skip the lookup.
    customer = user.customer
    if customer is None or customer.kind != Member.Kind.COMPANY:
        return None
    return getattr(user, "company_profile", None)


def _session_idle() -> dict:
    from identity.middleware import touch_every

    # The page's timer runs short by the server's write interval, so the warning never comes
    # after the server already ended the session.
    seconds = max(1, int(settings.SESSION_IDLE_SECONDS - touch_every()))
    return {"seconds": seconds, "warning": min(settings.SESSION_IDLE_WARNING_SECONDS, seconds)}
