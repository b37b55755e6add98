"""cooperativa/settings.py takes the file storages from the environment (common.storage): a
process started with STORAGE_BACKEND=s3 keeps every kind of file in the bucket, one started
without it in its local folders."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = (
    "import json\n"
    "from django.core.files.storage import storages\n"
    "built = {}\n"
    "for kind in ('exports', 'uploads', 'attachments'):\n"
    "    storage = storages[kind]\n"
    "    built[kind] = [type(storage).__name__, getattr(storage, 'bucket_name', None),"
    " storage.location]\n"
    "print(json.dumps(built))"
)


def _storages_of_a_process(tmp_path, **env) -> dict:
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "STORAGE_", "AWS_"))
    }
    # The settings module the tests run with (cooperativa.settings unless told otherwise).
    base["DJANGO_SETTINGS_MODULE"] = os.environ.get(
        "DJANGO_SETTINGS_MODULE", "cooperativa.settings"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", CODE],
        cwd=ROOT,
        env={**base, "VAR_DIR": str(tmp_path), "LOG_LEVEL": "ERROR", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_storage_backend_s3_puts_every_kind_in_the_bucket(tmp_path):
    built = _storages_of_a_process(
        tmp_path,
        STORAGE_BACKEND="s3",
        AWS_STORAGE_BUCKET_NAME="cooperativa",
        AWS_S3_ENDPOINT_URL="http://minio:9000",
        AWS_ACCESS_KEY_ID="portal",
        AWS_SECRET_ACCESS_KEY="portal-secret",
    )
    assert built == {
        kind: ["S3Storage", "cooperativa", kind] for kind in ("exports", "uploads", "attachments")
    }


def test_without_it_every_kind_is_a_local_folder_under_var_dir(tmp_path):
    built = _storages_of_a_process(tmp_path)
    assert built == {
        "exports": ["LocalStorage", None, str(tmp_path / "exports")],
        "uploads": ["LocalStorage", None, str(tmp_path / "uploads")],
        "attachments": ["LocalStorage", None, str(tmp_path / "attachments")],
    }
