"""A learner's test output is shown to them as text, in a real Chromium: never as HTML, never whole when huge.

The learner's own code writes the message (an exception at import, so it becomes the check's error row):
markup that would run script, terminal escapes, and 200 KB of text. The page must show the markup as
characters, drop the escapes and cut the text with a marker; no element of it may enter the page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Platform, browser, page, platform  # noqa: F401  (fixtures)
from tests.browser.test_learner_journey import LONG, check, publish_course, sign_up_and_confirm, write_in_editor

pytestmark = [pytest.mark.browser, pytest.mark.sandbox]

MARKUP = "<img src=x onerror=document.title='pwned'><b id=injected>bold</b>"
HOSTILE = f"raise ValueError({MARKUP!r} + chr(27) + '[31m' + 'A' * 200_000)\n"


async def test_a_hostile_message_shows_as_text_and_is_cut(page: Page, platform: Platform, tmp_path: Path) -> None:  # noqa: F811
    publish_course(platform, tmp_path / "python-start")
    await sign_up_and_confirm(page, platform, "mallory@example.org")
    await page.goto(f"{platform.url}/courses/python-start/lessons/add")
    await expect(page.get_by_label("Connection status")).to_contain_text("onnected", timeout=LONG)
    await page.get_by_role("treeitem", name="solution.py").click()
    await expect(page.get_by_label("Editor")).to_contain_text("NotImplementedError")

    await write_in_editor(page, HOSTILE)
    await check(page, "failed")
    results = page.get_by_role("list", name="Test results")
    await expect(results).to_contain_text(f"solution.py, line 1: ValueError: {MARKUP}AAAA")
    await expect(results).to_contain_text("more characters truncated")
    assert await page.locator("#injected").count() == 0
    assert await results.locator("img").count() == 0
    assert "\x1b" not in await results.inner_text()
    assert await page.title() != "pwned"
