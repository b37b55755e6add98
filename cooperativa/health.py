"""``/healthz`` and ``/readyz``: what a load balancer and a monitor ask.

``/healthz`` (liveness): the process answers and reaches its database. ``/readyz`` (readiness)
also looks at what the portal leans on, each check bounded by a short timeout:

- ``database``: one query;
- ``redis``: a PING (cache and broker; "no configurado" on the embedded default);
- ``broker``: a connection to Celery's broker;
- ``beat``: the last time beat sent an every-minute task (stale after ``BEAT_STALE``);
- ``outbox``: the oldest e-mail or SMS still waiting (late after ``OUTBOX_LATE``).

Only the database makes the web not ready (503): without Redis, beat or workers the portal
still serves and takes operations (sessions are in the database, publishing falls back to the
sweeps), so taking every web host out of the balancer would turn a degraded portal into an
outage. Any failure shows as ``"status": "degradado"`` with the check that failed;
``/readyz?strict=1`` answers 503 for any of them (for monitoring).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

BEAT_STALE = timedelta(minutes=5)
OUTBOX_LATE = timedelta(minutes=5)


@require_GET
@never_cache
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request):
    redis = _redis()
    checks = {
        "database": _database(),
        "redis": redis,
        "broker": _broker(redis),
        "beat": _beat(),
        "outbox": _outbox(),
    }
    failed = [name for name, result in checks.items() if not result["ok"]]
    strict = request.GET.get("strict") == "1"
    down = "database" in failed or (strict and failed)
    status = "no disponible" if down else ("degradado" if failed else "ok")
    return JsonResponse({"status": status, "checks": checks}, status=503 if down else 200)


def _result(ok: bool, detail: str = "") -> dict:
    return {"ok": ok, "detail": detail}


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return _result(True)
    except Exception as exc:  # the answer is the check, not a 500
        return _result(False, type(exc).__name__)


def _redis() -> dict:
    if not settings.REDIS_URL:
        return _result(True, "no configurado")
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=settings.REDIS_TIMEOUT,
            socket_timeout=settings.REDIS_TIMEOUT,
        )
        client.ping()
        return _result(True)
    except Exception as exc:
        return _result(False, type(exc).__name__)


def _broker(redis: dict) -> dict:
    from cooperativa.celery import app

    if not redis["ok"]:
        # The broker is that Redis (settings): asking it again would only wait again, and a
        # probe must answer within a second even when Redis hangs.
        return _result(False, redis["detail"])
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=settings.REDIS_TIMEOUT)
        return _result(True)
    except Exception as exc:
        return _result(False, type(exc).__name__)


def _beat() -> dict:
    from django_celery_beat.models import PeriodicTask

    try:
        last = (
            PeriodicTask.objects.filter(enabled=True, interval__isnull=False)
            .exclude(last_run_at=None)
            .order_by("-last_run_at")
            .values_list("last_run_at", flat=True)
            .first()
        )
    except Exception as exc:
        return _result(False, type(exc).__name__)
    if last is None:
        return _result(False, "sin ejecuciones")
    late = timezone.now() - last > BEAT_STALE
    return _result(not late, f"último envío {last.isoformat(timespec='seconds')}")


def _outbox() -> dict:
    from identity.models import Notification

    try:
        oldest = (
            Notification.objects.filter(status=Notification.Status.PENDING)
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first()
        )
    except Exception as exc:
        return _result(False, type(exc).__name__)
    if oldest is None:
        return _result(True, "sin pendientes")
    late = timezone.now() - oldest > OUTBOX_LATE
    return _result(not late, f"pendiente desde {oldest.isoformat(timespec='seconds')}")
