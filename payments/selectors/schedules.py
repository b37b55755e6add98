"""Reads of "Pagos programados": a customer's schedules, one schedule (through its access
helper: another customer's is a 404) and its occurrences."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.registries.permissions import customer_for
from accounts.registries.scopes import account_scope

from ..models import Schedule, ScheduleRun
from ..services.schedules import CAPABILITY

#: how many occurrences a schedule's page shows, newest first
HISTORY_ROWS = 60


def _visible(user) -> QuerySet:
    """The customer's schedules this login may see: a company user only those debiting the
    accounts granted to them."""
    member = customer_for(user, CAPABILITY)
    schedules = Schedule.objects.select_related("biller__category", "origin").filter(owner=member)
    scope = account_scope(user)
    if scope is not None:
        schedules = schedules.filter(origin__in=scope.values("pk"))
    return schedules


def schedules_for_user(user, *, status: str = "") -> QuerySet:
    """ "Pagos programados": the newest first; cancelled and finished ones too (their history
    stays readable), unless ``status`` picks one."""
    schedules = _visible(user)
    if status:
        schedules = schedules.filter(status=status)
    return schedules.order_by("-created_at", "-id")


def schedule_get_for_user(user, pk) -> Schedule:
    if not str(pk).isdigit():
        raise Http404
    schedule = _visible(user).select_related("owner", "created_by").filter(pk=pk).first()
    if schedule is None:
        raise Http404
    return schedule


def schedule_runs(schedule: Schedule, *, limit: int = HISTORY_ROWS) -> list[ScheduleRun]:
    return list(ScheduleRun.objects.filter(schedule=schedule).select_related("payment")[:limit])
