"""Business days for interbank processing (Ecuador): weekdays that are not national holidays
(``holidays.Ecuador``) nor days the back office closed (``ClosedDay``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone

OBSERVED = " (observed)"


@lru_cache(maxsize=32)
def national_holidays(year: int) -> frozenset[date]:
    """The days off of one year. When a holiday is moved, the package lists the original day
    and the observed one; only the observed one is a day off (DOMAIN.md "Business days")."""
    calendar = holidays.Ecuador(years=year, language="en_US")
    moved = {
        name.removesuffix(OBSERVED)
        for names in calendar.values()
        for name in names.split("; ")
        if name.endswith(OBSERVED)
    }
    off = set()
    for day, names in calendar.items():
        parts = names.split("; ")
        if any(p.endswith(OBSERVED) or p not in moved for p in parts):
            off.add(day)
    return frozenset(off)


def is_business_day(day: date) -> bool:
    from ..models import ClosedDay

    if day.weekday() >= 5 or day in national_holidays(day.year):
        return False
    return not ClosedDay.objects.filter(date=day).exists()


def next_business_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def cutoff() -> time:
    hours, minutes = settings.INTERBANK_CUTOFF.split(":")
    return time(int(hours), int(minutes))


def process_date_for(moment: datetime | None = None) -> date:
    """The business day an interbank transfer ordered at ``moment`` is processed: the same day
    before the cut-off on a business day, otherwise the next business day."""
    local = timezone.localtime(moment or timezone.now())
    today = local.date()
    if is_business_day(today) and local.time() < cutoff():
        return today
    return next_business_day(today)
