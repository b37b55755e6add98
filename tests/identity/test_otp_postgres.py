"""Two codes for one purpose requested at the same instant: only the newer stays live. Only
PostgreSQL can show it (SQLite serialises every writer anyway)."""

import threading
import time

import pytest
from django.db import connection, connections
from django.db.models.query import QuerySet

from identity.models import OtpChallenge
from identity.services.otp import challenge_start
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="necesita PostgreSQL (DATABASE_URL)"
    ),
]


def test_two_transfer_codes_requested_at_once_leave_one_live(monkeypatch):
    user = UserFactory(email="socio@example.com")
    real_update = QuerySet.update

    def slow_update(self, **kwargs):
        # Widens the gap between cancelling the live codes and inserting the new one, where
        # two requests used to both find nothing to cancel.
        rows = real_update(self, **kwargs)
        if self.model is OtpChallenge:
            time.sleep(0.3)
        return rows

    monkeypatch.setattr(QuerySet, "update", slow_update)
    start = threading.Barrier(2)
    errors = []

    def request_code(n):
        try:
            start.wait(timeout=10)
            challenge_start(
                user=user,
                purpose="transfer",
                operation={"amount": "20.00", "n": n},
                description="transferir $ 20.00",
            )
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request_code, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    statuses = sorted(
        OtpChallenge.objects.filter(user=user, purpose="transfer").values_list("status", flat=True)
    )
    assert statuses == [OtpChallenge.Status.CANCELLED, OtpChallenge.Status.PENDING]
    live = OtpChallenge.objects.get(user=user, purpose="transfer", status="PENDIENTE")
    newest = OtpChallenge.objects.filter(user=user, purpose="transfer").latest("id")
    assert live.pk == newest.pk


def test_parallel_enrolment_attempts_stay_within_the_budgets(settings):
    """Twelve browsers post an enrolled member's cédula at once: five are admitted (the
    identification's hour) and she is told once."""
    import re

    from django.test import Client

    from identity.models import Notification, TermsDocument
    from identity.services.legal_texts import DEFAULTS

    settings.RECOVERY_REQUESTS_PER_IP = 1000
    for kind, (title, body) in DEFAULTS.items():  # an earlier transactional test flushed them
        TermsDocument.objects.get_or_create(
            kind=kind, version=1, defaults={"title": title, "body": body}
        )
    victim = UserFactory(
        email="victima@example.com",
        customer__email="victima@example.com",
        customer__identification="1713175071",
    )
    n = 12
    together, again = threading.Barrier(n), threading.Barrier(n)
    statuses, errors = [], []

    def attempt(i):
        try:
            browser, ip = Client(), f"203.0.113.{i}"
            together.wait(timeout=20)
            response = browser.post(
                "/registro/", {"id_type": "CEDULA", "identification": "1713175071"}, REMOTE_ADDR=ip
            )
            statuses.append(response.status_code)
            admitted = response.status_code == 302
            if admitted:
                page = browser.get("/registro/terminos/", REMOTE_ADDR=ip).content.decode()
                ids = re.findall(r'name="(accept_\d+)"', page)
            again.wait(timeout=20)
            if admitted:
                browser.post("/registro/terminos/", dict.fromkeys(ids, "on"), REMOTE_ADDR=ip)
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert statuses.count(302) == settings.RECOVERY_REQUESTS_PER_IDENTIFICATION
    notices = Notification.objects.filter(
        recipient=victim.email, subject="Intento de registro en Cooprogreso en Línea"
    ).exclude(status=Notification.Status.SUPPRESSED)
    assert notices.count() == 1
