"""The limits and the funds declaration are decided once, from a standing fetched two ways: the
ORM (the forms) and one raw SQL statement under the member's lock (the posting). For generated
histories both fetch the same standing, so the form and the posting refuse alike."""

from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from accounts.models import Channel, Transaction, TransactionKind
from common.periods import window_starts
from tests.factories import AccountFactory, MemberFactory
from transfers.models import CooperativeLimit, LimitCategory, MemberLimit, Transfer
from transfers.services.limits import (
    Standing,
    funds_declaration_needed,
    limit_refusal,
    standing_of,
    standing_under_lock,
)

pytestmark = pytest.mark.django_db
_keys = count()

# Local moments where windows start or end: a Monday, the 1st of a month on a Sunday, a Monday
# that is also the 1st, a Sunday night, an ordinary afternoon.
ANCHORS = [
    datetime(2026, 3, 2, 0, 0),
    datetime(2026, 3, 1, 0, 0),
    datetime(2026, 6, 1, 0, 0),
    datetime(2026, 3, 8, 23, 59, 59),
    datetime(2026, 3, 18, 15, 30),
]

cents = st.integers(1, 300_000).map(lambda n: Decimal(n) / 100)
maybe_limit = st.none() | st.integers(0, 2_000_000).map(lambda n: Decimal(n) / 100)


@st.composite
def moments(draw):
    """ "Now", a few seconds around an anchor."""
    anchor = timezone.make_aware(draw(st.sampled_from(ANCHORS)))
    return anchor + timedelta(seconds=draw(st.integers(-90, 90)))


def _boundaries(now: datetime) -> list[datetime]:
    from django.conf import settings

    day, week, month = window_starts(now)
    return [day, week, month, now - timedelta(days=settings.FUNDS_DECLARATION_DAYS), now]


@st.composite
def history(draw, now):
    """Transfers of every kind and status, bulk or not, mostly within seconds of a window's
    start, some anywhere in the last 40 days; a few belong to another member."""
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        if draw(st.booleans()):
            boundary = draw(st.sampled_from(_boundaries(now)))
            when = boundary + timedelta(seconds=draw(st.integers(-3, 3)))
        else:
            when = now - timedelta(seconds=draw(st.integers(0, 40 * 86400)))
        rows.append(
            {
                "kind": draw(st.sampled_from(Transfer.Kind.values)),
                "status": draw(st.sampled_from(Transfer.Status.values)),
                "bulk": draw(st.booleans()),
                "amount": draw(cents),
                "created_at": when,
                "someone_else": draw(st.integers(0, 5)) == 0,
            }
        )
    return rows


@st.composite
def scenarios(draw):
    now = draw(moments())
    return {
        "now": now,
        "history": draw(history(now)),
        "category": draw(st.sampled_from(LimitCategory.values)),
        "maximums": {c: [draw(cents) * 10 for _ in range(3)] for c in LimitCategory.values},
        "own": {c: draw(st.none() | st.lists(maybe_limit, min_size=3, max_size=3))
                for c in LimitCategory.values},
        "amount": draw(cents),
    }  # fmt: skip


@pytest.fixture
def members(db):
    member, other = MemberFactory(), MemberFactory()
    return {member: AccountFactory(owner=member), other: AccountFactory(owner=other)}


def _transfer(*, member, origin, row) -> Transfer:
    key = f"agree-{next(_keys)}"
    posting = Transaction.objects.create(
        kind=TransactionKind.INTERNAL_TRANSFER,
        channel=Channel.WEB,
        idempotency_key=key,
        fingerprint=key,
        posted_at=row["created_at"],
    )
    transfer = Transfer.objects.create(
        kind=row["kind"],
        status=row["status"],
        bulk=row["bulk"],
        member=member,
        channel=Channel.WEB,
        origin=origin,
        to_account_number="2200000001",
        to_name="PRUEBA",
        amount=row["amount"],
        idempotency_key=key,
        transaction=posting,
    )
    # created_at is auto_now_add: the moment is set afterwards.
    Transfer.objects.filter(pk=transfer.pk).update(created_at=row["created_at"])
    return transfer


def _arrange(members, scenario):
    (member, origin), (other, other_origin) = members.items()
    for category, (daily, weekly, monthly) in scenario["maximums"].items():
        CooperativeLimit.objects.filter(category=category).update(
            daily=daily, weekly=weekly, monthly=monthly
        )
    for category, own in scenario["own"].items():
        if own is not None:
            MemberLimit.objects.create(
                member=member, category=category, daily=own[0], weekly=own[1], monthly=own[2]
            )
    for row in scenario["history"]:
        if row["someone_else"]:
            _transfer(member=other, origin=other_origin, row=row)
        else:
            _transfer(member=member, origin=origin, row=row)
    return member


@hsettings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(scenario=scenarios())
def test_the_posting_and_the_forms_see_the_same_limits_used_and_recent_sums(members, scenario):
    now, category, amount = scenario["now"], scenario["category"], scenario["amount"]
    with transaction.atomic():
        member = _arrange(members, scenario)

        twin, under_lock = standing_under_lock(
            member_id=member.pk, category=category, idempotency_key="not-a-twin", now=now
        )
        orm = standing_of(member, category, now)

        assert twin is None
        assert isinstance(under_lock, Standing)
        assert under_lock == orm
        assert limit_refusal(limits=under_lock.limits, used=under_lock.used, amount=amount) == (
            limit_refusal(limits=orm.limits, used=orm.used, amount=amount)
        )
        assert funds_declaration_needed(recent=under_lock.recent, amount=amount) == (
            funds_declaration_needed(recent=orm.recent, amount=amount)
        )
        transaction.set_rollback(True)  # the next example starts from the same database


def test_a_transfer_just_before_local_midnight_counts_for_yesterday_in_both(members):
    # 23:59:59 in Guayaquil is already 04:59:59 UTC of the next day: text comparison of an
    # aware datetime against SQLite's stored UTC once counted it as today's.
    now = timezone.make_aware(datetime(2026, 3, 18, 10, 0))
    (member, origin), _other = members.items()
    row = {
        "kind": Transfer.Kind.MEMBER,
        "status": Transfer.Status.DONE,
        "bulk": False,
        "amount": Decimal("40.00"),
        "created_at": timezone.make_aware(datetime(2026, 3, 17, 23, 59, 59)),
    }
    _transfer(member=member, origin=origin, row=row)

    _twin, under_lock = standing_under_lock(
        member_id=member.pk, category=LimitCategory.MEMBER, idempotency_key="x", now=now
    )

    assert under_lock.used == (Decimal("0"), Decimal("40.00"), Decimal("40.00"))
    assert under_lock == standing_of(member, LimitCategory.MEMBER, now)


def test_a_twin_requests_transfer_is_found_under_the_lock(members):
    (member, origin), _other = members.items()
    row = {
        "kind": Transfer.Kind.INTERBANK,
        "status": Transfer.Status.PENDING,
        "bulk": False,
        "amount": Decimal("5.00"),
        "created_at": timezone.now(),
    }
    transfer = _transfer(member=member, origin=origin, row=row)

    twin, standing = standing_under_lock(
        member_id=member.pk,
        category=LimitCategory.INTERBANK,
        idempotency_key=transfer.idempotency_key,
    )

    assert (twin, standing) == (transfer.pk, None)
