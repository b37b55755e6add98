import os

import pytest

# Playwright's sync API runs an asyncio loop in the main thread; Django then refuses database
# calls (even test-database creation for live_server) unless this is set.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


pytest_plugins = ["tests.company_fixtures"]


@pytest.fixture(autouse=True, scope="session")
def _celery_runs_inline():
    from cooperativa.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _empty_cache():
    from django.core.cache import caches

    for alias in ("default", "local"):
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher (Argon2id) costs ~0.03 s a password; tests do not depend on it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    settings.EXPORTS_DIR = tmp_path / "exports"


@pytest.fixture
def member_user(db):
    from tests.factories import funded_member

    return funded_member()


@pytest.fixture
def outsider(db):
    from tests.factories import funded_member

    return funded_member()


@pytest.fixture(autouse=True)
def _reference_data(request):
    # A transactional test starts from a database an earlier one flushed: the institutions
    # and maximum limits the migration loaded are gone, so put them back.
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if transactional:
        from transfers.services.reference import reference_ensure

        request.getfixturevalue("transactional_db")
        reference_ensure()
