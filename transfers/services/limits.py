"""Members' transfer limits (cupos) and the declaration of the origin and destination of funds.

Each rule is decided once, from a ``Standing`` (the limits in force, what was already used,
what was recently sent): ``limit_refusal`` and ``funds_declaration_needed``. Two ways fetch a
standing and nothing else differs:

- the ORM (``limits_of``, ``used_of``, ``recent_of``): forms and pages, before anything is
  locked;
- one raw SQL round trip under the member's lock (``checks_under_lock``): the posting itself,
  the hottest path of the portal, where the ORM's query building cost more than the query.

``tests/transfers/test_limits_agree.py`` proves both fetch the same standing.

What counts: transfers of the category's kind (to other members, or to other banks), not
returned and not paid by a company's bulk payment, from the start of the local day, the week
(Monday) and the month; for the funds declaration, every transfer to others (any kind but own
accounts, bulk included) not returned in the last ``FUNDS_DECLARATION_DAYS`` days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from accounts.services.ledger import CENT
from common.periods import window_starts
from identity.models import Member

from ..models import CooperativeLimit, LimitCategory, MemberLimit, Transfer

Money3 = tuple[Decimal, Decimal, Decimal]


@dataclass(frozen=True)
class Standing:
    """What the decisions read: the limits in force and what was used today, this week and
    this month (in that order), and what counts toward the funds declaration."""

    limits: Money3
    used: Money3
    recent: Decimal


# --- The decisions -----------------------------------------------------------------------------


def limit_refusal(*, limits: Money3, used: Money3, amount: Decimal) -> str | None:
    """Why ``amount`` does not fit the daily, weekly or monthly limit, or None."""
    for period, (limit, spent) in enumerate(zip(limits, used, strict=True)):
        if spent + amount > limit:
            label = (gettext("diario"), gettext("semanal"), gettext("mensual"))[period]
            return gettext(
                "El monto supera tu cupo %(label)s de $ %(limit)s: te quedan $ %(left)s."
            ) % {"label": label, "limit": f"{limit:,.2f}", "left": f"{max(limit - spent, 0):,.2f}"}
    return None


def funds_declaration_needed(*, recent: Decimal, amount: Decimal) -> bool:
    """Origin and destination of funds become required when the member's recent transfers to
    others, with this one, pass the threshold."""
    return recent + amount > settings.FUNDS_DECLARATION_THRESHOLD


def funds_declaration_refusal(
    *, recent: Decimal, amount: Decimal, funds_origin: str, funds_purpose: str
) -> str | None:
    if funds_declaration_needed(recent=recent, amount=amount) and not (
        funds_origin.strip() and funds_purpose.strip()
    ):
        return gettext(
            "Por el monto de tus transferencias recientes, indica el origen y el destino de "
            "los fondos."
        )
    return None


def _kind_of(category: str) -> str:
    return Transfer.Kind.MEMBER if category == LimitCategory.MEMBER else Transfer.Kind.INTERBANK


def _declaration_since(now: datetime) -> datetime:
    return now - timedelta(days=settings.FUNDS_DECLARATION_DAYS)


# --- Fetched with the ORM: forms and pages -----------------------------------------------------


def limits_of(member: Member, category: str) -> Money3:
    """The limits that apply: the member's own where set, never above the cooperative's
    current maximums (a maximum lowered later applies at once)."""
    top = CooperativeLimit.objects.get(category=category)
    own = MemberLimit.objects.filter(member=member, category=category).first()
    result = []
    for period in ("daily", "weekly", "monthly"):
        maximum = getattr(top, period)
        chosen = getattr(own, period) if own is not None else None
        result.append(maximum if chosen is None else min(chosen, maximum))
    return tuple(result)


def used_of(member: Member, category: str, now: datetime | None = None) -> Money3:
    """What the member already transferred today, this week (from Monday), this month: one
    query."""
    day, week, month = window_starts(now or timezone.now())
    totals = (
        Transfer.objects.filter(
            member=member, kind=_kind_of(category), created_at__gte=min(week, month)
        )
        .exclude(status=Transfer.Status.RETURNED)
        .exclude(bulk=True)
        .aggregate(
            day=Sum("amount", filter=Q(created_at__gte=day)),
            week=Sum("amount", filter=Q(created_at__gte=week)),
            month=Sum("amount", filter=Q(created_at__gte=month)),
        )
    )
    return tuple(totals[k] or Decimal(0) for k in ("day", "week", "month"))


def recent_of(member: Member, now: datetime | None = None) -> Decimal:
    """What counts toward the funds declaration."""
    since = _declaration_since(now or timezone.now())
    return Transfer.objects.filter(member=member, created_at__gte=since).exclude(
        kind=Transfer.Kind.OWN
    ).exclude(status=Transfer.Status.RETURNED).aggregate(s=Sum("amount"))["s"] or Decimal(0)


def standing_of(member: Member, category: str, now: datetime | None = None) -> Standing:
    now = now or timezone.now()
    return Standing(
        limits=limits_of(member, category),
        used=used_of(member, category, now),
        recent=recent_of(member, now),
    )


def limit_problem(member: Member, category: str, amount: Decimal) -> str | None:
    """Why ``amount`` does not fit the member's limits now, or None."""
    return limit_refusal(
        limits=limits_of(member, category), used=used_of(member, category), amount=amount
    )


def limit_hint(member: Member, category: str) -> str:
    """What the form tells before it is filled: the limit left now, in the period that binds
    (the one with the least left, the daily one on a tie)."""
    limits, used = limits_of(member, category), used_of(member, category)
    labels = (gettext("diario"), gettext("semanal"), gettext("mensual"))
    left = [max(limit - spent, Decimal(0)) for limit, spent in zip(limits, used, strict=True)]
    period = min(range(3), key=lambda i: left[i])
    return gettext("Tu cupo %(label)s restante es $ %(left)s.") % {
        "label": labels[period],
        "left": f"{left[period]:,.2f}",
    }


def funds_declaration_required(member: Member, amount: Decimal) -> bool:
    return funds_declaration_needed(recent=recent_of(member), amount=amount)


# --- Fetched in raw SQL under the member's lock: the posting -----------------------------------


def member_lock(member: Member, category: str) -> None:
    """Serializes one member's transfers to others: the limit rows are locked, the member's
    Cooprogreso row first for every kind (the funds declaration counts both kinds), then the
    category's own. Their values are read afterwards, so a change made meanwhile is seen."""
    wanted = sorted({LimitCategory.MEMBER.value, str(category)})
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    marks = ", ".join(["%s"] * len(wanted))
    sql = (
        "SELECT category FROM transfers_memberlimit"  # noqa: S608 - placeholders only
        f" WHERE member_id = %s AND category IN ({marks}) ORDER BY category{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [member.pk, *wanted])
        locked = {row[0] for row in cursor.fetchall()}
    for row in wanted:  # a member's first transfers: the rows are made (and locked)
        if row not in locked:
            MemberLimit.objects.select_for_update().get_or_create(member=member, category=row)


_CHECKS_SQL = """
SELECT
  (SELECT t.id FROM transfers_transfer t WHERE t.idempotency_key = %s),
  c.daily, c.weekly, c.monthly, m.daily, m.weekly, m.monthly,
  u.day, u.week, u.month,
  (SELECT SUM(f.amount) FROM transfers_transfer f
     WHERE f.member_id = %s AND f.kind <> %s AND f.created_at >= %s AND f.status <> %s)
FROM transfers_cooperativelimit c
LEFT JOIN transfers_memberlimit m ON m.member_id = %s AND m.category = c.category
CROSS JOIN (
  SELECT SUM(CASE WHEN x.created_at >= %s THEN x.amount ELSE 0 END) AS day,
         SUM(CASE WHEN x.created_at >= %s THEN x.amount ELSE 0 END) AS week,
         SUM(CASE WHEN x.created_at >= %s THEN x.amount ELSE 0 END) AS month
  FROM transfers_transfer x
  WHERE x.member_id = %s AND x.kind = %s AND x.created_at >= %s AND x.status <> %s
    AND NOT x.bulk
) u
WHERE c.category = %s
"""


def _money(value) -> Decimal:
    # SQLite hands sums back as numbers; they are sums of cents, so two places are exact.
    return Decimal(0) if value is None else Decimal(str(value)).quantize(CENT)


def standing_under_lock(
    *, member_id: int, category: str, idempotency_key: str, now: datetime | None = None
) -> tuple[int | None, Standing | None]:
    """In one round trip: a twin request's transfer id (then no standing), or the standing."""
    now = now or timezone.now()
    # Raw SQL gets no field adaptation: SQLite would compare an aware datetime's text with the
    # stored UTC text, off by the time zone.
    moment = connection.ops.adapt_datetimefield_value
    day, week, month = window_starts(now)
    returned = Transfer.Status.RETURNED
    params = [
        idempotency_key,
        member_id, Transfer.Kind.OWN, moment(_declaration_since(now)), returned,
        member_id,
        moment(day), moment(week), moment(month),
        member_id, _kind_of(category), moment(min(week, month)), returned,
        category,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_CHECKS_SQL, params)
        row = cursor.fetchone()
    if row[0] is not None:
        return row[0], None
    limits = tuple(
        _money(maximum) if own is None else min(_money(own), _money(maximum))
        for maximum, own in zip(row[1:4], row[4:7], strict=True)
    )
    used = tuple(_money(value) for value in row[7:10])
    return None, Standing(limits=limits, used=used, recent=_money(row[10]))


class Verdict(NamedTuple):
    """Under the lock: a twin request's transfer (``twin``), or why not (``refusal`` on
    ``field``), or neither: go ahead."""

    twin: int | None = None
    refusal: str | None = None
    field: str | None = None


def checks_under_lock(
    *,
    member_id: int,
    category: str,
    idempotency_key: str,
    amount: Decimal,
    funds_origin: str,
    funds_purpose: str,
) -> Verdict:
    """Call after ``member_lock``: a twin request that committed meanwhile, then the limits
    against what is posted, then the funds declaration."""
    twin, standing = standing_under_lock(
        member_id=member_id, category=category, idempotency_key=idempotency_key
    )
    if twin is not None:
        return Verdict(twin=twin)
    refusal = limit_refusal(limits=standing.limits, used=standing.used, amount=amount)
    if refusal:
        return Verdict(refusal=refusal, field="amount")
    refusal = funds_declaration_refusal(
        recent=standing.recent,
        amount=amount,
        funds_origin=funds_origin,
        funds_purpose=funds_purpose,
    )
    if refusal:
        return Verdict(refusal=refusal, field="funds_origin")
    return Verdict()
