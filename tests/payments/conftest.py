"""Shared by the payments tests: the simulated billers keep their files in a folder of the
test's own, answer fast, and the demo catalogue is loaded."""

import pytest


@pytest.fixture(autouse=True)
def _billers_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.PAYMENTS_GATEWAY_TIMEOUT = 0.5
    settings.PAYMENTS_SIMULATOR_SLOW = 1.0


@pytest.fixture
def catalogue(db):
    from payments.services.catalogue import demo_catalogue_ensure

    demo_catalogue_ensure()


@pytest.fixture
def biller(catalogue):
    """A biller by its code: ``biller("cnel-ep")``."""
    from payments.models import Biller

    return lambda code: Biller.objects.select_related("category").get(code=code)
