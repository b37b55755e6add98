"""A page read whose database connection died mid-request is answered again once on a new
connection; a form sent (POST) never is, nor a read that failed for another reason."""

import pytest
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from identity.models import User

pytestmark = [
    # Committed data: the retry opens a new connection, which a test transaction could not span.
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls(__name__),
    # SQLite's test database lives in memory, where Django never closes the connection.
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="una conexión perdida es de PostgreSQL"
    ),
]

RUNS: list[str] = []


def _lost_once(request):
    """The first run finds its connection gone (PostgreSQL restarted under it)."""
    RUNS.append(request.method)
    if len(RUNS) == 1:
        connection.close()
        raise OperationalError("server closed the connection unexpectedly")
    return HttpResponse(f"usuarios: {User.objects.count()}")


def _lost_always(request):
    RUNS.append(request.method)
    connection.close()
    raise OperationalError("server closed the connection unexpectedly")


def _other_error(request):
    RUNS.append(request.method)
    raise OperationalError("deadlock detected")  # the connection still works


urlpatterns = [
    path("perdida-una-vez/", _lost_once),
    path("perdida-siempre/", _lost_always),
    path("otro-error/", _other_error),
]


@pytest.fixture(autouse=True)
def _runs(settings):
    settings.READ_RETRY_WAIT = 0
    RUNS.clear()


@pytest.fixture
def reader():
    return Client(raise_request_exception=False)


def test_a_read_whose_connection_was_lost_is_answered_on_a_new_one(reader):
    response = reader.get("/perdida-una-vez/")

    assert response.status_code == 200
    assert response.content.decode() == "usuarios: 0"
    assert RUNS == ["GET", "GET"]


def test_a_form_sent_is_never_repeated(reader):
    response = reader.post("/perdida-una-vez/", {"monto": "10.00"})

    assert response.status_code == 500
    assert RUNS == ["POST"]


def test_a_read_is_repeated_once_only(reader):
    assert reader.get("/perdida-siempre/").status_code == 500
    assert RUNS == ["GET", "GET"]


def test_a_read_that_failed_with_its_connection_working_is_not_repeated(reader):
    assert reader.get("/otro-error/").status_code == 500
    assert RUNS == ["GET"]
