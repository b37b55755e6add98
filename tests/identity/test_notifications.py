from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from identity.models import Notification
from identity.services.notifications import (
    MAX_ATTEMPTS,
    notification_deliver,
    notification_queue,
    notifications_relay,
)

pytestmark = pytest.mark.django_db


def test_an_email_is_sent_after_commit_and_recorded(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        note = notification_queue(
            channel=Notification.Channel.EMAIL,
            recipient="socio@example.com",
            subject="Nuevo dispositivo",
            body="Ingresaste desde un dispositivo nuevo.",
        )
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert [m.subject for m in mail.outbox] == ["Nuevo dispositivo"]
    assert mail.outbox[0].to == ["socio@example.com"]
    note.refresh_from_db()
    assert note.status == Notification.Status.SENT and note.sent_at and note.attempts == 1


def test_an_sms_lands_in_the_development_gateway_folder(
    settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification_queue(
            channel=Notification.Channel.SMS,
            recipient="0991234567",
            body="Código 123456. No lo compartas.",
        )
    files = list(settings.SMS_FILE_PATH.iterdir())
    assert len(files) == 1
    assert "0991234567" in files[0].name
    assert "Código 123456" in files[0].read_text(encoding="utf-8")


def test_a_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notification_queue(
            channel=Notification.Channel.EMAIL, recipient="a@example.com", subject="x", body="x"
        )
        raise RuntimeError("the operation failed")
    assert mail.outbox == [] and not Notification.objects.exists()


def test_a_lost_message_is_relayed_and_nobody_gets_it_twice():
    note = notification_queue(
        channel=Notification.Channel.EMAIL, recipient="b@example.com", subject="Aviso", body="x"
    )  # on_commit never runs in this test
    assert notifications_relay() == 0  # too recent: its own message may still come
    Notification.objects.filter(pk=note.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert notifications_relay() == 1
    assert notification_deliver(notification_id=note.pk) is False  # a late duplicate message
    assert notifications_relay() == 0
    assert len(mail.outbox) == 1


def test_a_failing_gateway_keeps_the_row_and_gives_up_after_the_limit(settings):
    settings.SMS_BACKEND = "tests.identity.test_notifications.BrokenGateway"
    note = notification_queue(channel=Notification.Channel.SMS, recipient="099", body="x")
    for _ in range(MAX_ATTEMPTS):
        assert notification_deliver(notification_id=note.pk) is False
    note.refresh_from_db()
    assert note.status == Notification.Status.FAILED and note.attempts == MAX_ATTEMPTS
    assert "sin señal" in note.last_error


def test_a_delivery_stuck_by_a_dead_worker_is_retried():
    note = notification_queue(
        channel=Notification.Channel.EMAIL, recipient="c@example.com", subject="x", body="x"
    )
    long_ago = timezone.now() - timedelta(hours=1)
    Notification.objects.filter(pk=note.pk).update(
        status=Notification.Status.SENDING, claimed_at=long_ago, created_at=long_ago
    )
    assert notifications_relay() == 1
    assert len(mail.outbox) == 1


class BrokenGateway:
    def send(self, *, phone, text):
        raise ConnectionError("sin señal")


def test_the_http_sms_backend_posts_to_the_provider(settings):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from identity.services.sms import HttpSmsBackend

    received = []

    class Provider(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append((self.headers["Authorization"], json.loads(self.rfile.read(length))))
            self.send_response(500 if received[-1][1]["to"] == "fail" else 202)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Provider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.SMS_HTTP_URL = f"http://127.0.0.1:{server.server_port}/sms"
        settings.SMS_HTTP_TOKEN = "secreto"
        HttpSmsBackend().send(phone="0991234567", text="Código 123456")
        assert received == [("Bearer secreto", {"to": "0991234567", "text": "Código 123456"})]
        import urllib.error

        with pytest.raises(urllib.error.HTTPError):
            HttpSmsBackend().send(phone="fail", text="x")
    finally:
        server.shutdown()


def test_codes_are_erased_from_the_outbox_once_sent_and_hidden_from_staff(
    client, member_user, django_capture_on_commit_callbacks
):
    from identity.services.notifications import REDACTED
    from identity.services.otp import challenge_start

    with django_capture_on_commit_callbacks(execute=True):
        challenge_start(
            user=member_user, purpose="x", operation={}, description="probar el borrado"
        )
    row = Notification.objects.get(subject="Tu código de verificación")
    assert row.status == Notification.Status.SENT and row.body == REDACTED
    assert "Código" in mail.outbox[-1].body  # the member got it

    from identity.models import User
    from tests.factories import PASSWORD

    pending = Notification.objects.create(
        channel="EMAIL", recipient="a@example.com", body="Código 123456 para x", sensitive=True
    )
    staff = User.objects.create_superuser("personal01", "s@example.com", PASSWORD)
    client.force_login(staff)
    page = client.get(f"/backoffice/identity/notification/{pending.pk}/change/").content.decode()
    assert "123456" not in page and "Oculto: contiene un código o credenciales." in page
