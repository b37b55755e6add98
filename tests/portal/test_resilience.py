"""What a Redis or broker outage may cost: speed, never a sign-in, an answer or a lifted limit;
and what operations need: probes, ids in the logs, nothing secret in them, failures shown."""

import json
import logging
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.urls import reverse

from common.cache import CacheUnavailable
from cooperativa.observability import JsonFormatter, RequestContextFilter, redact
from identity.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def hung_server():
    """A port that accepts connections and never answers: a Redis stopped with SIGSTOP."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    for conn in held:
        conn.close()
    server.close()


def _shell(code: str, tmp_path, **env) -> str:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE", "REDIS", "CELERY"))
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**base, "VAR_DIR": str(tmp_path), "LOG_LEVEL": "ERROR", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_a_hung_redis_costs_one_short_wait_then_reads_miss_and_counters_refuse(
    tmp_path, hung_server
):
    code = (
        "import json, time\n"
        "from django.conf import settings\n"
        "from django.core.cache import cache\n"
        "from common.cache import CacheUnavailable\n"
        "t = time.monotonic()\n"
        "misses = [cache.get(f'k{n}', 'miss') for n in range(20)]\n"
        "cache.set('k', 1)\n"
        "try:\n"
        "    cache.incr('counter'); refused = False\n"
        "except CacheUnavailable:\n"
        "    refused = True\n"
        "print(json.dumps({'seconds': time.monotonic() - t, 'misses': misses,"
        " 'refused': refused, 'sessions': settings.SESSION_ENGINE}))"
    )
    out = json.loads(_shell(code, tmp_path, REDIS_URL=f"redis://127.0.0.1:{hung_server}/0"))
    assert out["misses"] == ["miss"] * 20
    assert out["refused"] is True
    assert out["sessions"] == "django.contrib.sessions.backends.db"  # nobody signed out
    assert out["seconds"] < 1.5  # one REDIS_TIMEOUT (0.5 s), not one per call


def test_publishing_to_a_hung_broker_returns_at_once_and_leaves_the_work_to_its_sweep(
    tmp_path, hung_server
):
    code = (
        "import json, time\n"
        "from common.background import enqueue\n"
        "t = time.monotonic()\n"
        "first = enqueue('identity.tasks.notifications_flush')\n"
        "one = time.monotonic() - t\n"
        "second = enqueue('identity.tasks.notifications_flush')\n"
        "print(json.dumps({'first': first, 'second': second, 'one': one,"
        " 'both': time.monotonic() - t}))"
    )
    out = json.loads(_shell(code, tmp_path, REDIS_URL=f"redis://127.0.0.1:{hung_server}/0"))
    assert out["first"] is None and out["second"] is None
    assert out["one"] < 5  # the 30 s a request waited before
    assert out["both"] - out["one"] < 0.1  # the second does not ask the broker again


def test_the_holder_budget_is_not_lifted_when_it_cannot_be_counted(member_user, monkeypatch):
    from transfers.services.holders import holder_reveal
    from transfers.services.orders import TransferError

    def down(*args, **kwargs):
        raise CacheUnavailable()

    monkeypatch.setattr("transfers.services.holders.cache.add", down)
    with pytest.raises(TransferError) as caught:
        holder_reveal(user=member_user, member=member_user.customer, account_number="4100000099")
    assert caught.value.message.startswith("Este paso no está disponible en este momento")
    assert caught.value.field == "account_number"


@pytest.mark.django_db
def test_readyz_reports_each_dependency_and_only_a_database_failure_is_not_ready(client, settings):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    body = response.json()
    assert set(body["checks"]) == {"database", "redis", "broker", "beat", "outbox"}
    assert body["checks"]["database"]["ok"] is True
    redis = {"ok": True, "detail": "" if settings.REDIS_URL else "no configurado"}
    assert body["checks"]["redis"] == redis
    # A fresh database: beat never ran, so the portal is degraded, not down...
    assert body["checks"]["beat"]["ok"] is False and body["status"] == "degradado"
    # ...and a monitor that asks strictly is told so.
    assert client.get(reverse("readyz") + "?strict=1").status_code == 503
    assert client.get(reverse("healthz")).json() == {"status": "ok"}


@pytest.mark.django_db
def test_every_answer_carries_a_request_id_and_keeps_a_sane_one_from_the_proxy(client):
    fresh = client.get(reverse("healthz"))["X-Request-ID"]
    assert len(fresh) == 32
    given = client.get(reverse("healthz"), headers={"X-Request-ID": "proxy-abc-12345"})
    assert given["X-Request-ID"] == "proxy-abc-12345"
    forged = client.get(reverse("healthz"), headers={"X-Request-ID": "x\nInjected: 1"})
    assert forged["X-Request-ID"] != "x\nInjected: 1" and len(forged["X-Request-ID"]) == 32


def test_json_logs_carry_the_ids_and_never_a_card_number_or_a_secret_field():
    record = logging.LogRecord(
        "transfers", logging.WARNING, __file__, 1,
        "pago con tarjeta 5137 4400 0001 5290 password=Demo$2026abc codigo: 123456 monto 25.50",
        None, None,
    )  # fmt: skip
    RequestContextFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert set(line) >= {"time", "level", "logger", "message", "request_id", "user_id"}
    assert "5290" not in line["message"] and "[tarjeta]" in line["message"]
    duration = "Task succeeded in 0.0123456789012345s"
    assert redact(duration) == duration
    assert redact("tarjeta 5137440000015290.") == "tarjeta [tarjeta]."
    assert "Demo$2026abc" not in line["message"] and "123456" not in line["message"]
    assert "monto 25.50" in line["message"]
    assert redact("cuenta 4100000099") == "cuenta 4100000099"  # ten digits: an account


@pytest.mark.django_db
def test_a_failed_background_task_is_shown_to_staff():
    from cooperativa.celery import app

    @app.task(name="tests.failing_task")
    def failing_task():
        raise RuntimeError("sin conexión con el SPI")

    # As a worker runs it: the failure is handled (and signalled), not raised to a caller.
    app.conf.task_eager_propagates = False
    try:
        failing_task.delay()
    finally:
        app.conf.task_eager_propagates = True
    event = AuditEvent.objects.get(action="system.task_failed")
    assert event.target_id == "tests.failing_task"
    assert "sin conexión con el SPI" in event.reason
