"""A background export is read with the access its user has now, not the access they had when
they asked for it: a company user whose account grant is withdrawn loses the job's page, its
progress fragment and its file, and a job still queued builds nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ExportJob
from enterprise.models import CompanyRole, CompanyUser
from enterprise.services.users import company_user_role_set
from tests.auth import sign_in
from tests.factories import AccountFactory, deposit

pytestmark = pytest.mark.django_db


@pytest.fixture
def ingresador(company, settings):
    """The company's ingresador, granted the main account and a second one, signed in; every
    movements download becomes a background job."""
    settings.EXPORT_SYNC_MAX_ROWS = 0
    second = AccountFactory(owner=company.member)
    deposit(second, "300.00")
    profile = CompanyUser.objects.get(user=company.maker)
    profile.accounts.set([company.account, second])
    client = Client()
    sign_in(client, company.maker.username)
    return client, profile, second


def _export(client, account):
    url = reverse("accounts:movements_download", args=[account.number, "xlsx"]) + "?periodo=hoy"
    response = client.get(url)
    assert response.status_code == 302
    return ExportJob.objects.get(account=account)


def _withdraw(company, profile, *, keep):
    """What the administrator's "Editar accesos" screen does: the same role, fewer accounts."""
    company_user_role_set(
        actor=company.admin,
        company_user=profile,
        role=CompanyRole.MAKER,
        signature_level=None,
        accounts=[keep],
        reason="Ya no maneja esta cuenta",
    )


def test_an_export_is_a_404_once_the_account_grant_is_withdrawn(
    company, ingresador, django_capture_on_commit_callbacks
):
    client, profile, second = ingresador
    with django_capture_on_commit_callbacks(execute=True):
        job = _export(client, second)
    status_url = reverse("accounts:export_status", args=[job.pk])
    file_url = reverse("accounts:export_file", args=[job.pk])
    assert "Listo" in client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert client.get(file_url).status_code == 200

    _withdraw(company, profile, keep=company.account)

    assert client.get(f"/cuentas/{second.number}/movimientos/").status_code == 404
    assert client.get(status_url).status_code == 404
    assert client.get(status_url, HTTP_HX_REQUEST="true").status_code == 404
    assert client.get(file_url).status_code == 404


def test_an_export_of_a_still_granted_account_keeps_working(
    company, ingresador, django_capture_on_commit_callbacks
):
    client, profile, _second = ingresador
    with django_capture_on_commit_callbacks(execute=True):
        job = _export(client, company.account)

    _withdraw(company, profile, keep=company.account)

    assert client.get(reverse("accounts:export_status", args=[job.pk])).status_code == 200
    assert client.get(reverse("accounts:export_file", args=[job.pk])).status_code == 200


def test_a_queued_export_builds_no_file_once_the_account_grant_is_withdrawn(
    company, ingresador, django_capture_on_commit_callbacks, settings
):
    client, profile, second = ingresador
    with django_capture_on_commit_callbacks() as queued:
        job = _export(client, second)
    assert job.status == ExportJob.Status.PENDING

    _withdraw(company, profile, keep=company.account)
    for callback in queued:  # the worker picks the job up after the grant is gone
        callback()

    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and not job.file_name
    assert "Ya no tienes acceso a la cuenta" in job.error
    assert not settings.EXPORTS_DIR.exists() or not any(settings.EXPORTS_DIR.iterdir())
