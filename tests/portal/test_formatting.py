from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from common import formatting


def test_money_is_printed_as_in_the_manuals():
    assert formatting.money(Decimal("1234.5")) == "$ 1,234.50"
    assert formatting.money(Decimal("-6")) == "-$ 6.00"
    assert formatting.money(Decimal("0.05"), signed=True) == "+$ 0.05"


def test_dates_are_spanish_abbreviations_in_local_time():
    utc = datetime(2026, 1, 24, 14, 58, tzinfo=ZoneInfo("UTC"))
    assert formatting.datetime_short(utc) == "24/ene./2026 09:58"  # Guayaquil is UTC-5
    assert formatting.date_short(date(2025, 7, 1)) == "01/jul./2025"
    assert formatting.month_year(date(2025, 12, 1)) == "diciembre 2025"
    assert formatting.long_date(date(2025, 7, 31)) == "Julio 31, 2025"
