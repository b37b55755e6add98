import os
import shutil

import pytest

from tests.browser.a11y import PageAuditor

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    browser_items = [item for item in items if str(item.fspath).startswith(here)]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    if browser_items and not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("REQUIRE_BROWSER") or os.environ.get("CI"):
            raise pytest.UsageError(
                f"Chromium no está instalado en {CHROMIUM}: apt-get install chromium"
            )
        skip = pytest.mark.skip(reason="Chromium no está instalado (apt-get install chromium)")
        for item in browser_items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "accept_downloads": True, "locale": "es-EC"}


@pytest.fixture(autouse=True)
def axe_every_page(request, page):
    """Each page a journey loads, and each dialog it opens, is audited with axe-core as the
    journey sees it (width and theme); a serious or critical finding fails the test that met it
    first."""
    if request.node.get_closest_marker("axe_explicit"):
        yield
        return
    auditor = PageAuditor(page)
    yield
    if os.environ.get("AXE_REPORT"):  # a survey: collect every finding, fail nothing
        with open(os.environ["AXE_REPORT"], "a") as report:
            report.write("".join(f"## {request.node.nodeid}\n{f}\n" for f in auditor.findings))
        return
    assert not auditor.findings, "axe-core found barriers:\n" + "\n".join(auditor.findings)


@pytest.fixture
def demo(transactional_db):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)


@pytest.fixture
def without_demo_orders(demo):
    """The demo company's waiting orders (its water bill) taken back by their author, for a
    test that counts the orders it registers itself."""
    from enterprise.models import ApprovalOrder
    from enterprise.services.approvals import order_withdraw

    for order in ApprovalOrder.objects.filter(status=ApprovalOrder.Status.PENDING):
        order_withdraw(user=order.created_by, order_id=order.pk)


@pytest.fixture
def console_errors(page):
    """Errors the page logs (CSP violations land here): every journey ends with none."""
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield errors
    assert errors == []


def type_code(page, code: str) -> None:
    """Types the code into the six boxes as a person would (the page moves between boxes)."""
    page.get_by_label("Dígito 1").click()
    page.keyboard.type(code)
    page.get_by_role("button", name="Validar").click()


def enter_code(page) -> None:
    """Waits for the code dialog or page, then types the code the outbox just got."""
    from tests.auth import code_sent

    page.get_by_label("Dígito 1").wait_for()
    type_code(page, code_sent())


@pytest.fixture
def sign_in(page, live_server, demo, console_errors):
    def _sign_in(username="sociodemo1", password="Demo$2026abc", device_alias=""):  # noqa: S107
        from tests.auth import code_sent

        page.goto(f"{live_server.url}/ingresar/")
        page.get_by_label("Usuario").fill(username)
        page.get_by_label("Contraseña").fill(password)
        page.get_by_role("button", name="Ingresar").click()
        page.wait_for_url("**/ingresar/*/")
        if "/dispositivo/" in page.url:
            if device_alias:
                page.get_by_label("Sí, guardar").check()
                page.get_by_label("Alias del dispositivo").fill(device_alias)
            else:
                page.get_by_label("No", exact=True).check()
            page.get_by_role("button", name="Continuar").click()
        page.wait_for_url("**/ingresar/codigo/")
        type_code(page, code_sent())
        page.wait_for_url(f"{live_server.url}/")
        return page

    return _sign_in
