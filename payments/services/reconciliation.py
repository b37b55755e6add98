"""The billers' daily reconciliation: each biller lists the payments it received and paid on a
day; ours still PENDIENTE from that day are settled when listed and refunded when not (the
only other way, besides the biller's own "failed", that money goes back). Running it again
changes nothing: each payment is resolved by a conditional update of its PENDIENTE row."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from accounts.services.ledger import LedgerError

from ..models import Biller, Payment, Reconciliation
from .bills import PAID, PENDING, REFUNDED, payment_refund, payment_settle
from .gateway import Answer, gateway_for

logger = logging.getLogger(__name__)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def reconciliation_run(*, biller: Biller, day: date) -> Reconciliation:
    """Reconcile ``biller``'s payments of ``day`` (local date) with its list. A payment made
    just before midnight may reach the biller after it: the next day's list counts too (when
    that day has begun). Raises ``BillerUnavailable`` if the biller does not answer (nothing
    changes; the task tries again)."""
    gateway = gateway_for(biller)
    listed = set(gateway.reconciliation(biller, day))
    next_day = day + timedelta(days=1)
    late = (
        set(gateway.reconciliation(biller, next_day)) if next_day <= timezone.localdate() else set()
    )
    start, end = _day_bounds(day)
    pending = list(
        Payment.objects.filter(
            biller=biller, status=PENDING, created_at__gte=start, created_at__lt=end
        ).values_list("pk", "idempotency_key")
    )
    confirmed = refunded = 0
    for pk, key in pending:
        try:
            if key in listed or key in late:
                answer = gateway.status(biller, key)
                authorization = answer.authorization if answer.status == Answer.PAID else ""
                confirmed += payment_settle(payment_id=pk, authorization=authorization) is not None
            else:
                refunded += (
                    payment_refund(
                        payment_id=pk,
                        status=REFUNDED,
                        reason=gettext("La empresa de servicios no registró el pago."),
                    )
                    is not None
                )
        except LedgerError:
            logger.exception("Conciliación: no se pudo resolver el pago %s", pk)
    paid_here = set(
        Payment.objects.filter(biller=biller, idempotency_key__in=listed, status=PAID).values_list(
            "idempotency_key", flat=True
        )
    )
    row, _created = Reconciliation.objects.get_or_create(biller=biller, day=day)
    Reconciliation.objects.filter(pk=row.pk).update(
        listed=len(listed),
        matched=len(paid_here),
        confirmed=F("confirmed") + confirmed,
        refunded=F("refunded") + refunded,
        unexpected=sorted(listed - paid_here),
        ran_at=timezone.now(),
    )
    row.refresh_from_db()
    return row


def reconciliation_daily(day: date | None = None) -> list[Reconciliation]:
    """Yesterday's reconciliation of every active biller and of any biller with payments still
    PENDIENTE from that day. A biller that does not answer is logged and skipped (its pending
    payments wait for the next run or the status checks)."""
    day = day or timezone.localdate() - timedelta(days=1)
    start, end = _day_bounds(day)
    with_pending = Payment.objects.filter(
        status=PENDING, created_at__gte=start, created_at__lt=end
    ).values("biller")
    billers = Biller.objects.filter(active=True) | Biller.objects.filter(pk__in=with_pending)
    done = []
    for biller in billers.distinct().order_by("pk"):
        try:
            done.append(reconciliation_run(biller=biller, day=day))
        except Exception:  # one biller's failure must not stop the others
            logger.exception("Conciliación: %s no respondió para el %s", biller.code, day)
    return done
