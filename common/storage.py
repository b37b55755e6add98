"""Where the portal keeps the files it makes or receives for people, through Django's storage API
so that any web host or worker reads what another one wrote.

Three kinds, each a ``settings.STORAGES`` alias (``file_storages`` builds the entries from the
environment):

| alias | holds | local folder (the default) |
|---|---|---|
| ``exports`` | statements and movement downloads built by a worker | ``EXPORTS_DIR`` |
| ``uploads`` | payroll sheets until the import task has read them | ``VAR_DIR/uploads`` |
| ``attachments`` | complaint attachments the back office downloads | ``SUPPORT_ATTACHMENTS_DIR`` |

One alias per kind rather than one storage with prefixes: each keeps the folder it had before
storages (files written then are still found), and in a bucket each is its own prefix, so an
expiry rule or a permission can be set for one kind (exports can expire; attachments are
evidence). ``STORAGE_BACKEND=s3`` puts all three in one S3-compatible bucket (MinIO in
docker-compose.yml). None of them has a public URL: every file leaves through a view that
checks who asks. Simulators of external systems (the SPI, the billers, mail and SMS files) are
not here: they stand in for other parties and keep their local files.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, Storage, storages

EXPORTS = "exports"
UPLOADS = "uploads"
ATTACHMENTS = "attachments"

# The setting that names each kind's local folder, and its folder under VAR_DIR without it.
LOCAL_FOLDERS = {
    EXPORTS: ("EXPORTS_DIR", "exports"),
    UPLOADS: ("UPLOADS_DIR", "uploads"),
    ATTACHMENTS: ("SUPPORT_ATTACHMENTS_DIR", "attachments"),
}

LOCAL_BACKEND = "common.storage.LocalStorage"
S3_BACKEND = "storages.backends.s3.S3Storage"


class LocalStorage(FileSystemStorage):
    """A kind's local folder. Its place is read from the settings on every use, not once: tests
    and deployments change it after the code is loaded, and the storage object is kept."""

    def __init__(self, *, kind: str, **options):
        if kind not in LOCAL_FOLDERS:
            raise ImproperlyConfigured(f"Unknown file kind {kind!r}.")
        super().__init__(**options)
        self.kind = kind

    @property
    def base_location(self) -> str:
        setting, folder = LOCAL_FOLDERS[self.kind]
        return str(getattr(settings, setting, None) or Path(settings.VAR_DIR) / folder)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Estos archivos no tienen una URL pública: se descargan por su vista.")


def local_config(kind: str) -> dict:
    # Owner read-write, group read, nobody else: bank statements and members' documents.
    options = {"kind": kind, "file_permissions_mode": 0o640, "directory_permissions_mode": 0o750}
    return {"BACKEND": LOCAL_BACKEND, "OPTIONS": options}


def s3_config(kind: str, environ: Mapping[str, str]) -> dict:
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if not bucket:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    endpoint = environ.get("AWS_S3_ENDPOINT_URL", "").strip() or None
    options = {
        "bucket_name": bucket,
        "location": kind,
        "endpoint_url": endpoint,
        "region_name": environ.get("AWS_S3_REGION_NAME", "").strip() or None,
        # MinIO and most S3-compatible servers answer at one host name, not one per bucket.
        "addressing_style": environ.get("AWS_S3_ADDRESSING_STYLE", "").strip()
        or ("path" if endpoint else None),
        "signature_version": "s3v4",
        # Private objects (the bucket's own policy) and no overwriting, as on the file system.
        "default_acl": None,
        "file_overwrite": False,
        # A download is buffered by the web process: kept in memory up to 2 MB, then on disk.
        "max_memory_size": 2 * 1024 * 1024,
    }
    # Without keys boto3 finds its own credentials (an instance role, ~/.aws).
    keys = {"access_key": "AWS_ACCESS_KEY_ID", "secret_key": "AWS_SECRET_ACCESS_KEY"}
    options.update({option: environ[name] for option, name in keys.items() if environ.get(name)})
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def file_storages(environ: Mapping[str, str]) -> dict:
    """The ``STORAGES`` entries of the three kinds: local folders, or with ``STORAGE_BACKEND=s3``
    one S3-compatible bucket (``AWS_STORAGE_BUCKET_NAME``, ``AWS_S3_ENDPOINT_URL``,
    ``AWS_S3_REGION_NAME``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``)."""
    backend = environ.get("STORAGE_BACKEND", "local").strip().lower() or "local"
    if backend == "local":
        return {kind: local_config(kind) for kind in LOCAL_FOLDERS}
    if backend == "s3":
        return {kind: s3_config(kind, environ) for kind in LOCAL_FOLDERS}
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be local or s3, not {backend!r}.")


_unnamed: dict[str, Storage] = {}


def file_storage(kind: str) -> Storage:
    """The storage of a kind of file: ``storages[kind]``, or its local folder when the settings
    name no such alias (a settings module written before these kinds existed)."""
    if kind in settings.STORAGES:
        return storages[kind]
    if kind not in _unnamed:
        config = local_config(kind)
        _unnamed[kind] = LocalStorage(**config["OPTIONS"])
    return _unnamed[kind]


@contextmanager
def local_copy(storage: Storage, name: str, *, suffix: str = "") -> Iterator[Path]:
    """A stored file as a temporary file on this machine, removed afterwards: for readers that
    need a real, seekable file (a zip opened by openpyxl). Raises FileNotFoundError when the
    storage has no such file."""
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        with storage.open(name, "rb") as source:
            for chunk in source.chunks():
                copy.write(chunk)
        copy.flush()
        yield Path(copy.name)
