"""Many hosts, one store: two web processes and two Celery workers, each with its own working
folder (VAR_DIR), share only PostgreSQL, Redis and an S3 endpoint. A file produced through one
process is downloaded through another, so nothing may depend on a host's local disk.

The S3 endpoint is moto's server (an S3 implementation in Python, a dev dependency), spoken to
by django-storages and boto3 exactly as MinIO or AWS would be: STORAGE_BACKEND=s3 with
AWS_S3_ENDPOINT_URL. Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL), as in CI's second
pass; skipped on SQLite. The web processes are gunicorn, the workers ``celery worker``: what
docker-compose.yml runs, without Docker.
"""

from __future__ import annotations

import os
import re
import uuid
from contextlib import ExitStack
from pathlib import Path

import boto3
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import ExportJob
from payroll.models import PayrollBatch
from support.models import Complaint, ComplaintProduct
from tests.factories import AccountFactory, UserFactory, deposit
from tests.payroll.sheet_builders import internal_row, payee, xlsx_bytes
from tests.processes import ON_POSTGRES_AND_REDIS
from tests.stack import Host, Web, database_url, environment, free_port, wait_for, worker
from tests.support.files import tiny_png

pytestmark = ON_POSTGRES_AND_REDIS

BUCKET = "cooperativa"
KEYS = {"AWS_ACCESS_KEY_ID": "portal", "AWS_SECRET_ACCESS_KEY": "portal-secret-key"}


class Stack:
    def __init__(self, webs: list[Web], workers: list[Host], s3):
        self.a, self.b = webs
        self.hosts = [*webs, *workers]
        self.s3 = s3

    def logs(self) -> str:
        return "\n".join(host.tail() for host in self.hosts)

    def wait_for(self, what: str, check):
        return wait_for(what, check, self.hosts)

    def objects(self, prefix: str) -> dict[str, bytes]:
        listed = self.s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
        return {
            item["Key"]: self.s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
            for item in listed
        }

    def local_files(self) -> list[Path]:
        """Files any process wrote under its VAR_DIR where exports, uploads or attachments go."""
        kinds = ("exports", "uploads", "attachments")
        return [
            path
            for host in self.hosts
            for kind in kinds
            if (host.var_dir / kind).exists()
            for path in (host.var_dir / kind).rglob("*")
            if path.is_file()
        ]


@pytest.fixture(scope="module")
def object_store():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **_boto_keys())
    s3.create_bucket(Bucket=BUCKET)
    yield endpoint, s3
    server.stop()


def _boto_keys() -> dict:
    return {
        "aws_access_key_id": KEYS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": KEYS["AWS_SECRET_ACCESS_KEY"],
    }


def _environment(endpoint: str) -> dict:
    return environment(
        # The test's own database: the processes see what the test wrote.
        database=database_url(connection.settings_dict),
        redis=os.environ["REDIS_URL"],
        secret_key=settings.SECRET_KEY,
        EXPORT_SYNC_MAX_ROWS="0",  # every download is built by a worker
        STORAGE_BACKEND="s3",
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_ENDPOINT_URL=endpoint,
        AWS_S3_REGION_NAME="us-east-1",
        **KEYS,
    )


@pytest.fixture(scope="module")
def stack(object_store, django_db_setup, tmp_path_factory):
    endpoint, s3 = object_store
    env = _environment(endpoint)
    root = tmp_path_factory.mktemp("hosts")
    with ExitStack() as stop:
        hosts = []
        for name in ("web-a", "web-b"):
            hosts.append(Web(name, env, root))
            stop.callback(hosts[-1].stop)
        for name in ("worker-a", "worker-b"):
            hosts.append(worker(name, env, root))
            stop.callback(hosts[-1].stop)
        running = Stack(hosts[:2], hosts[2:], s3)
        for web in hosts[:2]:
            running.wait_for(f"{web.name} /healthz", web.healthy)
        yield running


def _session(user, *, sign_in=None) -> dict:
    """The cookies of a signed-in browser: sessions live in the shared database."""
    client = Client()
    if sign_in:
        sign_in(client, user.username)
    else:
        client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value}


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(head.encode() + str(value).encode() + b"\r\n")
    for name, (filename, content, content_type) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _form_post(web: Web, path: str, cookies: dict, fields, files: dict, *, form_page=None):
    """GET the form's page (its CSRF cookie and token), then POST it as a browser would;
    ``fields`` may be a function of the page, for what the form itself carries."""
    response, page = web.request("GET", form_page or path, cookies=cookies)
    assert response.status == 200, page[:500]
    html = page.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    fields = fields(html) if callable(fields) else fields
    body, content_type = _multipart({"csrfmiddlewaretoken": token, **fields}, files)
    return html, *web.request(
        "POST", path, cookies=cookies, body=body, headers={"Content-Type": content_type}
    )


def test_an_export_built_by_a_worker_is_downloaded_from_the_other_web_host(stack):
    user = UserFactory()
    account = AccountFactory(owner=user.customer)
    deposit(account, "250.00", memo="Depósito inicial")
    cookies = _session(user)

    url = reverse("accounts:movements_download", args=[account.number, "xlsx"]) + "?periodo=hoy"
    response, _ = stack.a.request("GET", url, cookies=cookies)
    assert response.status == 302, stack.logs()
    job = ExportJob.objects.get(account=account)

    def done():
        job.refresh_from_db()
        assert job.status != ExportJob.Status.FAILED, job.error
        return job if job.status == ExportJob.Status.DONE else None

    stack.wait_for("the export job", done)
    status_url = reverse("accounts:export_status", args=[job.pk])
    status, page = stack.b.request("GET", status_url, cookies=cookies)
    assert status.status == 200 and "Listo" in page.decode()

    response, content = stack.b.request(
        "GET", reverse("accounts:export_file", args=[job.pk]), cookies=cookies
    )
    assert response.status == 200, stack.logs()
    assert response.headers["Content-Disposition"] == f'attachment; filename="{job.file_name}"'
    assert content.startswith(b"PK")
    assert stack.objects("exports/") == {f"exports/{job.file_name}": content}
    assert stack.local_files() == []


def test_a_payroll_uploaded_to_one_web_host_is_imported_by_a_worker(stack, company):
    from tests.auth import sign_in

    cookies = _session(company.maker, sign_in=sign_in)
    sheet = xlsx_bytes([internal_row(payee(), amount="100.10", Nombres="Ana Peña")])
    _, response, _ = _form_post(
        stack.a,
        "/empresa/pagos-masivos/cargar/",
        cookies,
        {"name": "Enero"},
        {"file": ("nomina.xlsx", sheet, "application/octet-stream")},
        form_page="/empresa/pagos-masivos/",
    )
    assert response.status == 302, stack.logs()
    batch = PayrollBatch.objects.get(company=company)
    assert batch.source_path == f"payroll/{batch.pk}.xlsx"

    def imported():
        batch.refresh_from_db()
        return batch if batch.status != PayrollBatch.Status.IMPORTING else None

    stack.wait_for("the payroll import", imported)
    assert batch.status == PayrollBatch.Status.VALID, batch.error
    response, page = stack.b.request(
        "GET", f"/empresa/pagos-masivos/{batch.pk}/importacion/", cookies=cookies
    )
    assert response.status == 200 and "ANA PENA" in page.decode()
    assert stack.objects("uploads/") == {}  # read, then deleted by the worker
    assert stack.local_files() == []


def test_a_complaint_attachment_filed_on_one_host_is_downloaded_by_staff_on_the_other(
    stack, member_user, admin_user
):
    cookies = _session(member_user)
    _, response, _ = _form_post(
        stack.a,
        "/soporte/reclamos/",
        cookies,
        lambda page: {
            "token": re.search(r'name="token" value="([^"]+)"', page).group(1),
            "product": ComplaintProduct.SAVINGS,
            "names": "ANA PÉREZ",
            "identification": "1714307103",
            "phone": "0991234567",
            "description": "Me debitaron dos veces el mismo pago.",
            "data_consent": "on",
        },
        {"attachment": ("captura.png", tiny_png(), "image/png")},
    )
    assert response.status == 302, stack.logs()
    complaint = Complaint.objects.get(user=member_user)
    assert stack.objects("attachments/") == {f"attachments/{complaint.attachment_name}": tiny_png()}

    staff = _session(admin_user)
    response, content = stack.b.request(
        "GET", f"/backoffice/support/complaint/{complaint.pk}/adjunto/", cookies=staff
    )
    assert response.status == 200, stack.logs()
    assert content == tiny_png()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{complaint.tracking_number}.png"'
    )
    assert stack.local_files() == []
