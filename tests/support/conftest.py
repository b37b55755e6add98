import re

import pytest


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.SUPPORT_ATTACHMENTS_DIR = tmp_path / "attachments"
    return settings.SUPPORT_ATTACHMENTS_DIR


@pytest.fixture
def member_client(client, member_user):
    client.force_login(member_user)
    return client


def form_token(client) -> str:
    """The one-time token of a fresh complaint form."""
    html = client.get("/soporte/reclamos/").content.decode()
    return re.search(r'name="token" value="([^"]+)"', html).group(1)
