"""A closed month's statement is rendered once and read back afterwards (accounts/services/
statements.py); the current month's is rendered every time; a kept one reaches nobody else."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone

from accounts.services import statements
from tests.factories import AccountFactory, UserFactory, deposit

pytestmark = pytest.mark.django_db


@pytest.fixture
def bucket(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    return storages["exports"]


@pytest.fixture
def member(client):
    user = UserFactory()
    account = AccountFactory(owner=user.customer)
    deposit(account, "250.00", memo="Depósito inicial")
    client.force_login(user)
    return user, account


def last_month():
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


def download(client, account, month):
    return client.get(
        reverse("accounts:statement"), {"cuenta": account.number, "mes": f"{month:%Y-%m}"}
    )


def spy():
    return mock.patch.object(statements, "statement_pdf", wraps=statements.statement_pdf)


def test_a_closed_months_statement_is_rendered_once(client, member, bucket):
    _, account = member
    with spy() as render:
        first = download(client, account, last_month())
        second = download(client, account, last_month())
    assert first["Content-Type"] == second["Content-Type"] == "application/pdf"
    assert first.content.startswith(b"%PDF") and second.content == first.content
    assert render.call_count == 1
    assert bucket.listdir(f"statements/{account.pk}")[1]  # kept in the exports storage


def test_the_current_month_is_never_kept(client, member, bucket):
    _, account = member
    with spy() as render:
        download(client, account, timezone.localdate().replace(day=1))
        download(client, account, timezone.localdate().replace(day=1))
    assert render.call_count == 2
    assert not bucket.exists(f"statements/{account.pk}")


def test_a_kept_statement_reaches_nobody_else(client, member, bucket):
    _, account = member
    download(client, account, last_month())
    client.force_login(UserFactory())
    with spy() as render:
        response = download(client, account, last_month())
    assert response["Content-Type"].startswith("text/html")  # the form's refusal, no PDF
    assert "Selecciona una de tus cuentas" in response.content.decode()
    assert render.call_count == 0


def test_what_the_statement_shows_changing_renders_it_again(client, member, bucket):
    user, account = member
    download(client, account, last_month())
    user.customer.address = "Av. Nueva 123"
    user.customer.save(update_fields=["address"])
    with spy() as render:
        download(client, account, last_month())
    assert render.call_count == 1


def test_a_half_written_copy_is_not_served(client, member, bucket):
    _, account = member
    download(client, account, last_month())
    (name,) = bucket.listdir(f"statements/{account.pk}")[1]
    path = f"statements/{account.pk}/{name}"
    with bucket.open(path, "rb") as handle:
        stored = handle.read()
    bucket.delete(path)
    bucket.save(path, ContentFile(stored[:200]))
    with spy() as render:
        again = download(client, account, last_month())
    assert render.call_count == 1 and again.content.startswith(b"%PDF")
    with spy() as render:
        assert download(client, account, last_month()).content == again.content
    assert render.call_count == 0
