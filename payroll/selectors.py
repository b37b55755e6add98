"""Reads of bulk payments: every fetch goes through the user's company (another's is a 404)."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from enterprise.models import ApprovalOrder
from enterprise.selectors.access import accounts_of, company_user

from .models import PAYROLL_KIND, PayrollBatch, PayrollRow


def batch_get_for_user(*, user, pk) -> PayrollBatch:
    profile = company_user(user)
    if profile is None:
        raise Http404
    batch = PayrollBatch.objects.filter(
        pk=pk, company_id=profile.company_id, deleted_at__isnull=True
    ).first()
    if batch is None:
        raise Http404
    return batch


def batches_for(profile):
    return PayrollBatch.objects.filter(
        company_id=profile.company_id,
        status=PayrollBatch.Status.SAVED,
        deleted_at__isnull=True,
    ).order_by("-created_at")


def batch_rows(batch: PayrollBatch, query: str = ""):
    rows = batch.rows.select_related("institution").order_by("line")
    query = query.strip()[:60]
    if query:
        rows = rows.filter(
            Q(identification__icontains=query)
            | Q(name__icontains=query)
            | Q(account_number__icontains=query)
            | Q(institution__name__icontains=query)
        )
    return rows


def payable_rows(batch: PayrollBatch):
    """Rows that may go into a new payment: valid and neither paid nor waiting in an order."""
    return batch.rows.filter(errors=[], payment=PayrollRow.Payment.NONE)


def payroll_order_get_for_profile(*, profile, pk) -> ApprovalOrder:
    """A bulk payment's order of this company, debited from an account the user may use."""
    order = (
        ApprovalOrder.objects.select_related("company")
        .filter(
            pk=pk,
            kind=PAYROLL_KIND,
            company=profile.company,
            debit_account__in=accounts_of(profile),
        )
        .first()
    )
    if order is None:
        raise Http404
    return order
