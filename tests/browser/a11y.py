"""axe-core (vendored, tests/browser/vendor/) run inside the page: WCAG 2.2 A/AA rules, serious and
critical findings fail. Every browser test audits each page it loads and each dialog it opens
(``PageAuditor``); test_accessibility.py audits every role's pages in the light and dark themes at
1366 and 390 px, the dialogs open, and checks focus and keyboard-only journeys."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

AXE_VERSION = "4.14.1"
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")

RUN = """async (tags) => {
  // The audit on page load may still be running: one run at a time.
  while (window.axe._running) await new Promise(resolve => setTimeout(resolve, 50));
  const result = await window.axe.run(document, {runOnly: {type: "tag", values: tags},
                                                 resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " + n.failureSummary),
  }));
}"""


def axe_findings(page) -> list[dict]:
    """The serious and critical violations on the page as it is now (dialogs and htmx swaps
    included)."""
    if not page.evaluate("() => !!window.axe"):
        # evaluate() runs outside the page's CSP, so the portal's policy stays as strict as it is.
        page.evaluate(AXE_SOURCE)
    found = page.evaluate(RUN, TAGS)
    return [finding for finding in found if finding["impact"] in BLOCKING]


def describe(findings: list[dict]) -> str:
    return "\n".join(
        f"[{f['impact']}] {f['id']}: {f['help']}\n    " + "\n    ".join(f["nodes"])
        for f in findings
    )


def page_shape(url: str) -> str:
    """The page a URL shows, whatever the ids in it: /ordenes/12/ and /ordenes/13/ are one page."""
    path = re.sub(r"^https?://[^/]+", "", url).split("#")[0]
    path, _, query = path.partition("?")
    path = re.sub(r"/[0-9a-f]{8}-[0-9a-f-]{27,}", "/<uuid>", path)
    path = re.sub(r"/\d+", "/<n>", path)
    keys = sorted(part.split("=")[0] for part in query.split("&") if part)
    return path + ("?" + "&".join(keys) if keys else "")


def theme_of(page) -> str:
    return page.evaluate(
        "() => document.documentElement.getAttribute('data-theme') === 'dark' ? 'dark' : 'light'"
    )


def assert_accessible(page, what: str = "") -> None:
    findings = axe_findings(page)
    assert not findings, f"axe {AXE_VERSION} on {what or page.url}:\n{describe(findings)}"


# Tells the test when htmx has put a dialog into #modal (an init script: the page's CSP and code
# stay as they are).
DIALOG_WATCH = """document.addEventListener("htmx:afterSettle", (event) => {
  const modal = document.getElementById("modal");
  if (!modal || !modal.children.length || !modal.contains(event.target)) return;
  const heading = modal.querySelector("h1, h2, h3");
  if (window.__axeDialogOpened) window.__axeDialogOpened(heading ? heading.textContent.trim() : "");
});"""


class PageAuditor:
    """Audits a journey as it goes, as it looks to the journey (its width and theme): each new page
    when it loads and each new dialog htmx opens. It only reads the page: changing the width or
    the theme under a running test would race with the test's own steps (test_accessibility.py
    goes through the other widths and themes at fixed points instead)."""

    seen: set[tuple] = set()  # one audit per page or dialog, width and theme in a test session

    def __init__(self, page):
        self.page = page
        self.findings: list[str] = []
        page.expose_function("__axeDialogOpened", self.dialog_opened)
        page.add_init_script(DIALOG_WATCH)
        page.on("load", self.loaded)

    def loaded(self, _page=None) -> None:
        try:
            if self.page.evaluate("() => document.contentType") != "text/html":
                return
            self._audit(("page", page_shape(self.page.url)))
        except PlaywrightError:
            return  # the journey already moved on to the next page

    def dialog_opened(self, heading: str) -> None:
        try:
            self._audit(("dialog", page_shape(self.page.url), heading))
        except PlaywrightError:
            return

    def _audit(self, what: tuple) -> None:
        width, theme = self.page.viewport_size["width"], theme_of(self.page)
        key = (*what, width <= 640, theme)
        if key in self.seen:
            return
        found = axe_findings(self.page)
        self.seen.add(key)
        if found:
            self.findings.append(f"{' '.join(what[1:])} ({theme}, {width} px):\n{describe(found)}")
