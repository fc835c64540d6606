"""A lesson's task as GitHub-flavoured Markdown, and the admin pages' safety rules, in a real Chromium.

The sample lesson ``networking/http-server`` has a table, a highlighted ``sh``
block and a first heading equal to its title. An admin opens it, then finds
their own role locked on the users page and is asked before their environment
stops. Screenshots at 1400×900 and 390×844 land in ``test-results/screenshots``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, Platform, screenshot
from tests.browser.test_authoring_and_admin import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.sandbox]

COURSE = Path(__file__).resolve().parents[2] / "courses" / "networking"
LESSON = "/courses/networking/lessons/http-server"
WIDE_TABLE_COURSE = COURSE.parent / "unix-shell"  # its table of paths and modes is wider than a phone
WIDE_TABLE_LESSON = "/courses/unix-shell/lessons/files-and-permissions"
LONG = 60_000  # an environment starting on a busy CI machine
WIDE = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}


async def test_the_task_renders_tables_and_highlighted_code_once_titled(page: Page, platform: Platform) -> None:
    for course in (COURSE, WIDE_TABLE_COURSE):
        imported = platform.practica("course", "import", str(course))
        assert imported.returncode == 0, imported.stderr
    await sign_in(page, platform, "learner@example.org", "learner")
    await page.set_viewport_size(WIDE)
    await page.goto(f"{platform.url}{LESSON}")

    task = page.get_by_role("region", name="An HTTP server")
    await expect(page.get_by_role("heading", name="An HTTP server", level=1)).to_have_count(1)
    table = task.get_by_role("table")
    await expect(table.get_by_role("row")).to_have_count(7)
    await expect(table.get_by_role("row").nth(2)).to_contain_text('GET /greet?name=Ada200{"message": "Hello, Ada!"}')
    await expect(task).not_to_contain_text("| --- |")
    await expect(task.locator("pre code.language-sh .hljs-string").first).to_contain_text("'http://127.0.0.1:8000")
    await screenshot(page, "task-table-1400")
    await page.emulate_media(color_scheme="dark")
    await screenshot(page, "task-table-1400-dark")
    await page.emulate_media(color_scheme="light")
    await page.set_viewport_size(PHONE)
    await screenshot(page, "task-table-390")

    await page.goto(f"{platform.url}{WIDE_TABLE_LESSON}")
    scroller = page.get_by_role("table").locator("xpath=..")
    await expect(scroller).to_be_visible()
    box = await scroller.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    assert await scroller.evaluate("(box) => box.scrollWidth > box.clientWidth")  # the table scrolls inside the task
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]  # the page does not
    await scroller.screenshot(path=str(SCREENSHOTS / "task-wide-table-390.png"))


async def test_an_admin_cannot_demote_themselves_and_confirms_a_stop(page: Page, platform: Platform) -> None:
    imported = platform.practica("course", "import", str(COURSE))
    assert imported.returncode == 0, imported.stderr
    await sign_in(page, platform, "root@example.org", "admin")
    await page.goto(f"{platform.url}{LESSON}")  # the admin's own environment starts
    await expect(page.get_by_label("Connection status")).to_contain_text("onnected", timeout=LONG)

    for viewport, name in ((WIDE, "1400"), (PHONE, "390")):
        await page.set_viewport_size(viewport)
        await page.goto(f"{platform.url}/admin/users")
        own = page.get_by_label("Role of root@example.org")
        await expect(own).to_be_disabled()
        await expect(page.get_by_text("Your own role: another admin can change it.")).to_be_visible()
        await screenshot(page, f"admin-users-{name}")

        await page.goto(f"{platform.url}/admin/environments")
        stop = page.get_by_role("button", name="Stop environment of root for networking/http-server")
        await stop.click()
        dialog = page.get_by_role("alertdialog", name="Stop the environment of root?")
        await expect(dialog).to_contain_text("Their files are kept")
        await screenshot(page, f"admin-environments-confirm-{name}")
        await dialog.get_by_role("button", name="Cancel").click()
        await expect(dialog).to_have_count(0)
        await expect(page.get_by_role("row", name="root")).to_contain_text("running")

    await stop.click()
    await page.get_by_role("alertdialog").get_by_role("button", name="Stop").click()
    await expect(page.get_by_role("status")).to_contain_text("is stopp")
    await screenshot(page, "admin-environments-stopped-390")
