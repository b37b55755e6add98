"""Reads of "Gestión de usuarios": always within one company."""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import get_object_or_404

from accounts.models import DEPOSIT_PRODUCTS, Account

from ..models import Company, CompanyUser, Service
from .access import ROLE_SERVICES


def company_accounts(company: Company):
    """The accounts a company user may be given: the company's own deposit accounts."""
    return (
        Account.objects.filter(owner_id=company.member_id, product__in=DEPOSIT_PRODUCTS)
        .exclude(status=Account.Status.CLOSED)
        .order_by("number")
    )


def role_services(role: str) -> list[str]:
    """The services a role allows, in the order of ``Service``."""
    allowed = ROLE_SERVICES[role]
    return [code for code in Service.values if code in allowed]


def display_name(profile: CompanyUser) -> str:
    return profile.user.get_full_name() or profile.user.username


def company_user_list(*, company: Company, query: str = "", include_deleted: bool = False):
    """The company's users; every word of ``query`` must match the identification, a name,
    the phone or the e-mail."""
    rows = CompanyUser.objects.filter(company=company).select_related("user", "signature_level")
    if not include_deleted:
        rows = rows.exclude(status=CompanyUser.Status.DELETED)
    for word in query.split():
        rows = rows.filter(
            Q(identification__icontains=word)
            | Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(first_surname__icontains=word)
            | Q(second_surname__icontains=word)
            | Q(phone__icontains=word)
            | Q(user__email__icontains=word)
        )
    return rows.order_by("user__first_name", "user__last_name", "pk")


def company_user_get_for_admin(*, admin: CompanyUser, pk: int) -> CompanyUser:
    """One user of the administrator's company; any other id is a 404."""
    return get_object_or_404(
        CompanyUser.objects.select_related("user", "company", "signature_level"),
        pk=pk,
        company_id=admin.company_id,
    )
