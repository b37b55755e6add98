"""Business days for interbank processing (DOMAIN.md "Business days")."""

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from transfers.models import ClosedDay
from transfers.services.calendar import is_business_day, next_business_day, process_date_for

pytestmark = pytest.mark.django_db


def local(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def test_a_moved_holiday_is_off_only_on_its_observed_day():
    # Independence of Guayaquil (9 October 2025, a Thursday) was moved to Friday the 10th.
    assert is_business_day(date(2025, 10, 9))
    assert not is_business_day(date(2025, 10, 10))


def test_fixed_holidays_and_weekends_are_off():
    assert not is_business_day(date(2025, 12, 25))
    assert not is_business_day(date(2025, 10, 11))  # Saturday
    assert not is_business_day(date(2025, 10, 12))  # Sunday
    assert is_business_day(date(2025, 10, 13))


def test_a_closed_day_of_the_back_office_is_off():
    assert is_business_day(date(2025, 12, 5))
    ClosedDay.objects.create(date=date(2025, 12, 5), reason="Fiestas de Quito")
    assert not is_business_day(date(2025, 12, 5))
    assert next_business_day(date(2025, 12, 4)) == date(2025, 12, 8)


def test_next_business_day_skips_weekends_and_holidays():
    assert next_business_day(date(2025, 10, 8)) == date(2025, 10, 9)
    assert next_business_day(date(2025, 10, 9)) == date(2025, 10, 13)
    assert next_business_day(date(2025, 12, 24)) == date(2025, 12, 26)


@pytest.mark.parametrize(
    ("ordered", "processed"),
    [
        ((2025, 10, 7, 14, 59), date(2025, 10, 7)),  # before the cut-off: the same day
        ((2025, 10, 7, 15, 0), date(2025, 10, 8)),  # at or after it: the next business day
        ((2025, 10, 7, 23, 30), date(2025, 10, 8)),
        ((2025, 10, 3, 16, 0), date(2025, 10, 6)),  # Friday after the cut-off: Monday
        ((2025, 10, 4, 10, 0), date(2025, 10, 6)),  # Saturday: Monday
        ((2025, 10, 9, 10, 0), date(2025, 10, 9)),  # holiday eve, before the cut-off
        ((2025, 10, 9, 15, 30), date(2025, 10, 13)),  # holiday eve, after: past the long weekend
        ((2025, 10, 10, 9, 0), date(2025, 10, 13)),  # on the (observed) holiday
    ],
)
def test_process_date_follows_the_cutoff_and_business_days(ordered, processed):
    assert process_date_for(local(*ordered)) == processed


def test_the_cutoff_is_a_setting_in_local_time(settings):
    settings.INTERBANK_CUTOFF = "13:30"
    assert process_date_for(local(2025, 10, 7, 13, 29)) == date(2025, 10, 7)
    assert process_date_for(local(2025, 10, 7, 13, 30)) == date(2025, 10, 8)
    # 19:00 UTC is 14:00 in Guayaquil (UTC-5): after this cut-off.
    assert process_date_for(datetime(2025, 10, 7, 19, 0, tzinfo=UTC)) == date(2025, 10, 8)
