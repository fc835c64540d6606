"""What a learner reads when their code does not even import: the file, the line and the error, in a real Chromium.

Screenshots of the lesson page with that failed check, wide (1400×900) and phone-sized (390×844), land in
``test-results/screenshots`` as ``check-syntax-error-*.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, Platform
from tests.browser.test_learner_journey import LONG, check, publish_course, sign_up_and_confirm, write_in_editor

pytestmark = [pytest.mark.browser, pytest.mark.sandbox]

NO_COLON = "def add(a, b)\nreturn a + b\n"  # the editor indents nothing after a line without its colon


async def viewport_shot(page: Page, name: str, width: int, height: int) -> None:
    await page.set_viewport_size({"width": width, "height": height})
    if width <= 600:  # a phone's width: the results are a pane of their own, behind the "Results" tab
        await page.get_by_role("tablist", name="Lesson panes").get_by_role("tab", name="Results").click()
    await page.get_by_role("heading", name="Check your solution").scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}x{height}.png"))


async def test_a_syntax_error_shows_the_file_the_line_and_the_message(
    page: Page, platform: Platform, tmp_path: Path
) -> None:
    publish_course(platform, tmp_path / "python-start")
    await sign_up_and_confirm(page, platform, "grace@example.org")
    await page.goto(f"{platform.url}/courses/python-start/lessons/add")
    await expect(page.get_by_label("Connection status")).to_contain_text("onnected", timeout=LONG)
    await page.get_by_role("treeitem", name="solution.py").click()
    await expect(page.get_by_label("Editor")).to_contain_text("NotImplementedError")

    await write_in_editor(page, NO_COLON)
    await check(page, "failed")
    results = page.get_by_role("list", name="Test results")
    await expect(results).to_contain_text("solution.py, line 1: SyntaxError: expected ':'")
    await expect(results).not_to_contain_text("collection failure")
    await expect(page.get_by_role("button", name="Show output")).to_have_attribute("aria-expanded", "false")

    await viewport_shot(page, "check-syntax-error", 1400, 900)
    await viewport_shot(page, "check-syntax-error", 390, 844)
