"""``python -m tests.faults.any_day_worker -A cooperativa worker …``: a Celery worker for which
every day is a business day, so a settlement test runs on a weekend or a holiday too. The
calendar is not what those tests are about; on a business day this changes nothing."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cooperativa.settings")
django.setup()

from celery.__main__ import main  # noqa: E402

from transfers.services import calendar  # noqa: E402


def _every_day(day) -> bool:
    return True


calendar.is_business_day = _every_day

if __name__ == "__main__":
    sys.argv[0] = "celery"
    main()
