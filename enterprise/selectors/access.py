"""Who reaches what in the enterprise app: a company user's role, services and accounts, and the
helpers every view starts with, so a retail login, a user without the service and a
non-administrator are refused the same way, in Spanish."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext

from accounts.models import Account

from ..models import CompanyRole, CompanyUser, Service

#: The services the portal offers: the ones "Editar servicios por rol" shows, the menu and the
#: pages grant, and a form accepts.
OFFERED_SERVICES = frozenset(Service.values)

ROLE_SERVICES = {
    # An administrator's own operations execute with their code; signing others' is the
    # authorizers' job (the manual's roles), so the Autorizar screen is not theirs.
    CompanyRole.ADMIN: set(OFFERED_SERVICES) - {Service.AUTHORIZE},
    CompanyRole.MAKER: set(OFFERED_SERVICES) - {Service.AUTHORIZE},
    CompanyRole.APPROVER: {
        Service.POSITION,
        Service.AUTHORIZE,
        Service.QUERIES_ALL,
        Service.QUERIES_PENDING,
    },
}


# --- Who may do what ---------------------------------------------------------------------------


def company_user(user) -> CompanyUser | None:
    profile = getattr(user, "company_profile", None)
    if profile is None or profile.status != CompanyUser.Status.ACTIVE:
        return None
    return profile


def services_of(profile: CompanyUser) -> set[str]:
    allowed = ROLE_SERVICES[profile.role]
    return allowed & set(profile.services) if profile.services else set(allowed)


def can(profile: CompanyUser | None, service: str) -> bool:
    return profile is not None and service in services_of(profile)


def accounts_of(profile: CompanyUser):
    """The company accounts this user may operate: all for administrators and for users
    without a list, otherwise the ones granted."""
    accounts = Account.objects.filter(owner=profile.company.member)
    granted = list(profile.accounts.values_list("pk", flat=True))
    if profile.role != CompanyRole.ADMIN and granted:
        accounts = accounts.filter(pk__in=granted)
    return accounts


def account_allowed(profile: CompanyUser, account: Account) -> bool:
    return accounts_of(profile).filter(pk=account.pk).exists()


# --- What the views start with -----------------------------------------------------------------


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
