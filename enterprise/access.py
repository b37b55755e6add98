"""Who reaches the enterprise screens: every view starts here, so a retail login, a user
without the service and a non-administrator are refused the same way, in Spanish."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext

from accounts.models import Account

from .approvals import accounts_of, can, company_user
from .models import CompanyRole, CompanyUser, Service


def company_profile_of(request) -> CompanyUser:
    profile = company_user(request.user)
    if profile is None:
        raise PermissionDenied(gettext("Esta opción es de la banca empresas."))
    return profile


def profile_of(request, service: str) -> CompanyUser:
    profile = company_profile_of(request)
    if not can(profile, service):
        raise PermissionDenied(gettext("Tu usuario no tiene este servicio."))
    return profile


def order_readable_or_403(profile: CompanyUser, order, user) -> None:
    """An order's page (and its downloads) is for its author and for those who authorize or
    consult the company's operations."""
    readers = (Service.AUTHORIZE, Service.QUERIES_ALL, Service.QUERIES_PENDING)
    if order.created_by_id != user.pk and not any(can(profile, s) for s in readers):
        raise PermissionDenied(gettext("Tu usuario no tiene este servicio."))


def account_scope_for(user):
    """The accounts a company login may see on the account pages (registered with
    ``accounts.registries.scopes``); None for members."""
    member = getattr(user, "customer", None)
    if member is None or member.kind != member.Kind.COMPANY:
        return None
    profile = company_user(user)
    if profile is None:
        return Account.objects.none()
    if not can(profile, Service.POSITION):
        raise PermissionDenied(gettext("Tu usuario no tiene este servicio."))
    return accounts_of(profile)


def admin_of(request) -> CompanyUser:
    profile = company_profile_of(request)
    if profile.role != CompanyRole.ADMIN:
        raise PermissionDenied(
            gettext("Solo los administradores de la empresa pueden hacer esta gestión.")
        )
    return profile
