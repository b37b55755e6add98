import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_only_the_secret_key_and_hosts_set(tmp_path):
    """Secure by default: nobody has to remember HTTPS=1 (or DEBUG=0) in production."""
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE", "REDIS", "DEBUG", "HTTPS", "BEHIND"))
        },
        "SECRET_KEY": "x7!k2P#q9Lm$4vB8nZ@r1Tw6Yc3Hf0Js5Gd^Ue*Ai&Ko(Xp)Ql_Rb+Sn=Vt-Wy",
        "ALLOWED_HOSTS": "banca.cooprogreso.example",
        "VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_environment_it_runs_embedded(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE", "REDIS", "EMAIL"))
    }
    env["VAR_DIR"] = str(tmp_path)
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.EMAIL_BACKEND, "
        "s.EMAIL_FILE_PATH)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    engine, broker, backend, mail_dir = result.stdout.split()[-4:]
    assert engine == "django.db.backends.sqlite3"
    assert broker == "filesystem://"
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert mail_dir == str(tmp_path / "mail")
