"""axe-core in the browser: ``assert_accessible(page)`` fails on any serious or
critical WCAG 2.1 A/AA violation of the page as it stands.

axe-core is vendored (``vendor/axe-core``, pinned, with its licence) and evaluated in
the page through the DevTools protocol, so the pages' Content-Security-Policy (scripts
from the hub only) stays in force for everything else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
_SOURCE: list[str] = []  # read once per test session
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = frozenset({"serious", "critical"})

_RUN = """async (tags) => {
  const result = await window.axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}"""


def violations(page: Page) -> list[dict[str, Any]]:
    """Every WCAG 2.1 A/AA violation axe finds on the page, whatever its impact."""
    if not _SOURCE:
        _SOURCE.append(AXE.read_text(encoding="utf-8"))
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_SOURCE[0])
    found: list[dict[str, Any]] = page.evaluate(_RUN, TAGS)
    return found


def assert_accessible(page: Page) -> None:
    """Fail, naming rule and elements, on a serious or critical violation."""
    bad = [v for v in violations(page) if v["impact"] in BLOCKING]
    assert not bad, f"{page.url}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['nodes'])}" for v in bad
    )
