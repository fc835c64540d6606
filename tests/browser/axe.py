"""axe-core (the npm devDependency) run on a page in the browser suite: any browser test can call it.

    from tests.browser.axe import assert_accessible
    await assert_accessible(page, "my page")

The script is evaluated through the DevTools protocol rather than added as a
``<script>`` element: the app's Content-Security-Policy allows no inline script,
and every browser test fails on a refusal Chromium reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from playwright.async_api import Page

from tests.conftest import require_tool

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = frozenset({"serious", "critical"})
RUN_AXE = """async (options) => {
    const results = await window.axe.run(document, options);
    return results.violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        targets: violation.nodes.map((node) => node.target.join(" ")),
        summaries: violation.nodes.map((node) => node.failureSummary || ""),
    }));
}"""


@dataclass(frozen=True)
class Violation:
    """One axe rule broken by one or more elements."""

    id: str
    impact: str
    help: str
    targets: tuple[str, ...]
    summaries: tuple[str, ...]

    def describe(self) -> str:
        nodes = "\n".join(
            f"      {target}\n        {summary.replace(chr(10), ' ')}"
            for target, summary in zip(self.targets, self.summaries, strict=True)
        )
        return f"  [{self.impact}] {self.id}: {self.help}\n{nodes}"


@cache
def axe_source() -> str:
    require_tool(AXE_SCRIPT.is_file(), "axe-core (npm --prefix frontend install)")
    return AXE_SCRIPT.read_text()


async def axe_violations(page: Page, options: dict[str, Any] | None = None) -> list[Violation]:
    """Every violation axe-core finds on the page as it is now (WCAG 2.x A/AA and best practices)."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(axe_source())
    found = await page.evaluate(RUN_AXE, {"resultTypes": ["violations"], **(options or {})})
    return [
        Violation(item["id"], item["impact"] or "", item["help"], tuple(item["targets"]), tuple(item["summaries"]))
        for item in found
    ]


async def assert_accessible(page: Page, where: str, options: dict[str, Any] | None = None) -> None:
    """Fail listing each serious or critical violation: its rule, help text and the elements' selectors."""
    blocking = [violation for violation in await axe_violations(page, options) if violation.impact in BLOCKING]
    report = "\n".join(violation.describe() for violation in blocking)
    assert not blocking, f"axe-core: {len(blocking)} serious/critical violation(s) on {where} ({page.url}):\n{report}"
