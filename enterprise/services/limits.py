"""Company limits: how much a company may move out per day, week and month, never above the
cooperative's ceiling for companies. Checked on the transfer form before the code, under the
company's row lock when an order is registered (counting the orders still waiting) and again
when it executes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from common.periods import window_starts
from transfers.services import operations as transfer_operations

from ..models import ApprovalOrder, Company, CompanyLimit, CompanyLimitCeiling
from .errors import ApprovalError

PERIODS = (
    ("daily", gettext_lazy("diario")),
    ("weekly", gettext_lazy("semanal")),
    ("monthly", gettext_lazy("mensual")),
)

# Moving money between the company's own accounts takes nothing out of it.
NOT_COUNTED_KINDS = (transfer_operations.OWN.code,)


@dataclass(frozen=True)
class Limits:
    daily: Decimal
    weekly: Decimal
    monthly: Decimal

    def items(self):
        return [(label, getattr(self, name)) for name, label in PERIODS]


def ceiling() -> Limits:
    row = CompanyLimitCeiling.objects.first()
    if row is not None:
        return Limits(row.daily, row.weekly, row.monthly)
    daily, weekly, monthly = settings.ENTERPRISE_LIMIT_CEILING
    return Limits(Decimal(daily), Decimal(weekly), Decimal(monthly))


def limits_of(company: Company) -> Limits:
    """The company's own limits, each capped by the ceiling (which may have dropped since)."""
    top = ceiling()
    own = CompanyLimit.objects.filter(company=company).first()
    if own is None:
        return top
    return Limits(
        min(own.daily, top.daily), min(own.weekly, top.weekly), min(own.monthly, top.monthly)
    )


def used_of(company: Company, *, pending: bool, exclude_order: int | None = None, now=None):
    """What the company's orders took out today, this week, this month: executed ones by when
    they executed and, when ``pending``, waiting ones by when they were registered (their
    money is promised)."""
    day, week, month = window_starts(now or timezone.now())
    since = min(week, month)
    executed = Q(status=ApprovalOrder.Status.EXECUTED, decided_at__gte=since)
    waiting = Q(status=ApprovalOrder.Status.PENDING, created_at__gte=since)
    rows = (
        ApprovalOrder.objects.filter(company=company)
        .filter(executed | waiting if pending else executed)
        .exclude(kind__in=NOT_COUNTED_KINDS)
    )
    if exclude_order is not None:
        rows = rows.exclude(pk=exclude_order)

    def at_or_after(start):
        return Q(status=ApprovalOrder.Status.EXECUTED, decided_at__gte=start) | Q(
            status=ApprovalOrder.Status.PENDING, created_at__gte=start
        )

    totals = rows.aggregate(
        daily=Sum("amount", filter=at_or_after(day)),
        weekly=Sum("amount", filter=at_or_after(week)),
        monthly=Sum("amount", filter=at_or_after(month)),
    )
    return Limits(*(totals[name] or Decimal("0.00") for name, _label in PERIODS))


def left_of(company: Company, *, now=None) -> tuple[str, Decimal]:
    """What the company may still order now, and the period that binds it (the one with the
    least left, the daily one on a tie): what the transfer form tells before it is filled."""
    used = used_of(company, pending=True, now=now)
    left = [
        (str(label), max(limit - spent, Decimal("0.00")))
        for (label, limit), (_label, spent) in zip(
            limits_of(company).items(), used.items(), strict=True
        )
    ]
    return min(left, key=lambda item: item[1])


def limit_check(
    company: Company, kind: str, amount: Decimal, *, pending: bool, exclude_order=None
) -> None:
    """Call under the company's row lock when an order is registered or executes, so two
    orders cannot pass a limit together; the form calls it without, before the code, to say
    early what the registration would say."""
    if kind in NOT_COUNTED_KINDS:
        return
    used = used_of(company, pending=pending, exclude_order=exclude_order)
    for (label, limit), (_label, spent) in zip(
        limits_of(company).items(), used.items(), strict=True
    ):
        if spent + amount > limit:
            raise ApprovalError(
                gettext(
                    "El monto supera el cupo %(label)s de la empresa de $ %(limit)s: quedan "
                    "$ %(left)s."
                )
                % {
                    "label": label,
                    "limit": f"{limit:,.2f}",
                    "left": f"{max(limit - spent, Decimal('0.00')):,.2f}",
                },
                "amount",
            )
