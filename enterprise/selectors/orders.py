"""Reads of "Autorizar" and an order's page: the company's orders a user may see, the pending
ones (searchable), and the payees waiting for an authorizer. An id outside them is a 404."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from transfers.models import Beneficiary

from ..models import ApprovalOrder, CompanyUser
from .access import accounts_of


def orders_for_profile(profile: CompanyUser) -> QuerySet[ApprovalOrder]:
    # Another company's orders never appear; approvers see the accounts they were granted.
    return ApprovalOrder.objects.filter(
        company=profile.company, debit_account__in=accounts_of(profile)
    ).select_related("debit_account", "created_by")


def order_get_for_company_user(*, profile: CompanyUser, pk: int) -> ApprovalOrder:
    """One order of the user's company on an account they may use; any other id is a 404."""
    return get_object_or_404(orders_for_profile(profile), pk=pk)


def pending_orders_for_profile(profile: CompanyUser, query: str = "") -> QuerySet[ApprovalOrder]:
    """The pending orders; ``query`` matches the concept, the origin account or the amount."""
    rows = orders_for_profile(profile).filter(status=ApprovalOrder.Status.PENDING)
    if query:
        matches = Q(concept__icontains=query) | Q(debit_account__number__contains=query)
        amount = _decimal(query)
        if amount is not None:
            matches |= Q(amount=amount)
        rows = rows.filter(matches)
    return rows


def _decimal(text):
    try:
        amount = Decimal(text.replace("$", "").replace(",", "").strip())
    except InvalidOperation:
        return None
    # "NaN" and "Infinity" parse too, and no amount column can hold them.
    return amount.quantize(Decimal("0.01")) if amount.is_finite() and abs(amount) < 10**15 else None


def beneficiaries_waiting(profile: CompanyUser) -> QuerySet[Beneficiary]:
    """The company's payees nobody approved yet, oldest first."""
    return (
        Beneficiary.objects.filter(
            owner=profile.company.member, deleted_at__isnull=True, approved_at__isnull=True
        )
        .select_related("institution", "created_by")
        .order_by("created_at")
    )


def payee_waiting_get_for_company_user(*, profile: CompanyUser, pk: int) -> Beneficiary:
    """One payee of the user's company waiting for approval; any other id is a 404."""
    return get_object_or_404(beneficiaries_waiting(profile), pk=pk)
