import pytest


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.SUPPORT_ATTACHMENTS_DIR = tmp_path / "attachments"
    return settings.SUPPORT_ATTACHMENTS_DIR
