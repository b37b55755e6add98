"""axe-core (vendored, tests/browser/vendor/) run inside the page: WCAG 2.2 A/AA rules, serious and
critical findings fail. Every browser test audits each page it loads (once per page shape, width
and theme in a session), and test_accessibility.py audits the journeys' pages in light and dark
themes, on a desktop and on a phone, with the dialogs open."""

from __future__ import annotations

import re
from pathlib import Path

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
