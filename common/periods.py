"""Calendar periods, as pure date logic: the windows a limit counts in (today, this week, this
month) and the days a period filter covers ("Hoy", "Ayer", "Mes anterior", "Personalizado"…).

Members' limits, companies' limits, a member's movements and a company's Consultas all read
their periods here, so a week starts on the same Monday and "Mes anterior" ends on the same day
everywhere.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .formatting import date_short
from .refusal import Refusal

# --- Limit windows -----------------------------------------------------------------------------


def window_starts(now: datetime) -> tuple[datetime, datetime, datetime]:
    """When today, this week (from Monday) and this month began, in local time."""
    local = timezone.localtime(now)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day - timedelta(days=day.weekday()), day.replace(day=1)


def months_back(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day when it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- Period filters ----------------------------------------------------------------------------

PERIOD_RECENT = "recientes"
PERIOD_LAST_MONTH = "mes_anterior"
PERIOD_YESTERDAY = "ayer"
PERIOD_TODAY = "hoy"
PERIOD_CUSTOM = "personalizado"
RECENT_DAYS = 30

PERIOD_CHOICES = [
    (PERIOD_RECENT, _("Últimos 30 días")),
    (PERIOD_LAST_MONTH, _("Mes anterior")),
    (PERIOD_YESTERDAY, _("Ayer")),
    (PERIOD_TODAY, _("Hoy")),
    (PERIOD_CUSTOM, _("Personalizado")),
]


class PeriodError(Refusal):
    """A custom range that cannot be used, with the message the person reads."""


def period_dates(
    *,
    period: str,
    today: date,
    date_from: date | None = None,
    date_to: date | None = None,
    max_months_back: int | None = None,
    max_span_months: int | None = None,
) -> tuple[date, date]:
    """The first and last day (local dates, both included) a period covers; any other value
    means the last 30 days. A custom range may be held to start at most ``max_months_back``
    months before today, or to span at most ``max_span_months`` months."""
    if period == PERIOD_TODAY:
        return today, today
    if period == PERIOD_YESTERDAY:
        yesterday = today - timedelta(days=1)
        return yesterday, yesterday
    if period == PERIOD_LAST_MONTH:
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if period == PERIOD_CUSTOM:
        _custom_range_check(
            today=today,
            date_from=date_from,
            date_to=date_to,
            max_months_back=max_months_back,
            max_span_months=max_span_months,
        )
        return date_from, date_to
    return today - timedelta(days=RECENT_DAYS), today


def _custom_range_check(*, today, date_from, date_to, max_months_back, max_span_months) -> None:
    if not date_from or not date_to:
        raise PeriodError(gettext("Indica la fecha desde y la fecha hasta."))
    if date_from > date_to:
        raise PeriodError(gettext("La fecha desde no puede ser posterior a la fecha hasta."))
    if date_to > today:
        raise PeriodError(gettext("La fecha hasta no puede ser futura."))
    if max_months_back is not None:
        oldest = months_back(today, max_months_back)
        if date_from < oldest:
            raise PeriodError(
                gettext("Solo puedes consultar hasta %(months)s meses atrás (desde el %(limit)s).")
                % {"months": max_months_back, "limit": date_short(oldest)}
            )
    if max_span_months is not None and date_from < months_back(date_to, max_span_months):
        raise PeriodError(
            gettext("El rango de fechas no puede superar los %(months)s meses.")
            % {"months": max_span_months}
        )


def last_closed_month(today: date) -> date:
    """The first day of the last month that has ended (a statement's default)."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)
