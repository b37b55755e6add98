"""The storage seam: each kind of file (exports, uploads, attachments) is a storage alias built
from the environment: local folders in the places they had before, or one S3-compatible bucket
with a prefix per kind."""

from pathlib import Path

import pytest
from django.core.exceptions import (
    ImproperlyConfigured,
    SuspiciousFileOperation,
    SuspiciousOperation,
)
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from storages.backends.s3 import S3Storage

from common.storage import (
    ATTACHMENTS,
    EXPORTS,
    UPLOADS,
    LocalStorage,
    file_storage,
    file_storages,
    local_copy,
)

KINDS = (EXPORTS, UPLOADS, ATTACHMENTS)
S3_ENV = {
    "STORAGE_BACKEND": "s3",
    "AWS_STORAGE_BUCKET_NAME": "cooperativa",
    "AWS_S3_ENDPOINT_URL": "http://minio:9000",
    "AWS_S3_REGION_NAME": "us-east-1",
    "AWS_ACCESS_KEY_ID": "portal",
    "AWS_SECRET_ACCESS_KEY": "portal-secret",
}


@pytest.fixture
def configured(settings):
    """Puts the entries ``file_storages`` builds into STORAGES, as cooperativa/settings.py does."""

    def configure(environ):
        settings.STORAGES = {**settings.STORAGES, **file_storages(environ)}
        return {kind: storages[kind] for kind in KINDS}

    return configure


def test_without_an_environment_each_kind_is_its_local_folder_where_it_was_before(
    configured, settings, tmp_path
):
    settings.VAR_DIR = tmp_path / "var"
    settings.EXPORTS_DIR = tmp_path / "var" / "exports"
    settings.SUPPORT_ATTACHMENTS_DIR = tmp_path / "var" / "attachments"
    built = configured({})
    assert {kind: type(storage) for kind, storage in built.items()} == dict.fromkeys(
        KINDS, LocalStorage
    )
    assert built[EXPORTS].location == str(tmp_path / "var" / "exports")
    assert built[UPLOADS].path("payroll/x.xlsx") == str(tmp_path / "var/uploads/payroll/x.xlsx")
    assert built[ATTACHMENTS].location == str(tmp_path / "var" / "attachments")


def test_a_local_folder_follows_its_setting_after_the_storage_is_built(
    configured, settings, tmp_path
):
    exports = configured({"STORAGE_BACKEND": "local"})[EXPORTS]
    settings.EXPORTS_DIR = tmp_path / "elsewhere"
    exports.save("estado.pdf", ContentFile(b"%PDF-1.7"))
    assert (tmp_path / "elsewhere" / "estado.pdf").read_bytes() == b"%PDF-1.7"


def test_a_file_written_before_storages_is_still_read(configured, settings, tmp_path):
    old = settings.EXPORTS_DIR / "STATEMENT_PDF_410100000001_0123456789ab.pdf"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"%PDF-old")
    with configured({})[EXPORTS].open(old.name, "rb") as handle:
        assert handle.read() == b"%PDF-old"


def test_local_files_are_private_and_stay_inside_their_folder(configured, settings, tmp_path):
    settings.SUPPORT_ATTACHMENTS_DIR = tmp_path / "attachments"
    attachments = configured({})[ATTACHMENTS]
    name = attachments.save("2026/05/a.png", ContentFile(b"png"))
    assert (tmp_path / "attachments" / name).stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "attachments" / "2026").stat().st_mode & 0o777 == 0o750
    with pytest.raises(ValueError, match="no tienen una URL pública"):
        attachments.url(name)
    with pytest.raises(SuspiciousFileOperation):
        attachments.save("../../etc/passwd", ContentFile(b"x"))


def test_s3_builds_one_bucket_with_a_prefix_per_kind(configured):
    built = configured(S3_ENV)
    for kind, storage in built.items():
        assert type(storage) is S3Storage
        assert storage.bucket_name == "cooperativa" and storage.location == kind
        assert storage.endpoint_url == "http://minio:9000"
        assert storage.region_name == "us-east-1"
        assert (storage.access_key, storage.secret_key) == ("portal", "portal-secret")
        assert storage.client_config.s3 == {"addressing_style": "path"}
        assert storage.client_config.signature_version == "s3v4"
        assert storage.default_acl is None and storage.querystring_auth is True
        assert storage.file_overwrite is False
    # The prefix is part of every key: a name cannot climb out of it.
    assert built[EXPORTS]._normalize_name("estado.pdf") == "exports/estado.pdf"
    with pytest.raises(SuspiciousOperation):
        built[UPLOADS]._normalize_name("../attachments/x.png")


def test_s3_on_aws_itself_lets_boto3_choose_the_addressing_and_find_its_keys(configured):
    env = {"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": "cooperativa-prod"}
    storage = configured(env)[EXPORTS]
    assert storage.endpoint_url is None
    assert storage.client_config.s3 == {"addressing_style": None}
    assert "access_key" not in file_storages(env)[EXPORTS]["OPTIONS"]


def test_s3_without_a_bucket_or_an_unknown_backend_is_refused_at_start():
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        file_storages({"STORAGE_BACKEND": "s3"})
    with pytest.raises(ImproperlyConfigured, match="local or s3"):
        file_storages({"STORAGE_BACKEND": "gcs"})


def test_a_settings_module_without_the_alias_still_gets_the_local_folder(settings, tmp_path):
    settings.STORAGES = {key: value for key, value in settings.STORAGES.items() if key not in KINDS}
    settings.VAR_DIR = tmp_path
    assert file_storage(UPLOADS).path("payroll/a.xlsx") == str(tmp_path / "uploads/payroll/a.xlsx")


def test_a_local_copy_is_a_real_file_removed_afterwards():
    from django.core.files.storage import InMemoryStorage

    memory = InMemoryStorage()
    memory.save("payroll/a.xlsx", ContentFile(b"PK\x03\x04 datos"))
    with local_copy(memory, "payroll/a.xlsx", suffix=".xlsx") as path:
        assert path.suffix == ".xlsx" and path.read_bytes() == b"PK\x03\x04 datos"
    assert not Path(path).exists()
    with pytest.raises(FileNotFoundError), local_copy(memory, "payroll/missing.xlsx"):
        pass
