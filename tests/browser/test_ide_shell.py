"""The lesson's IDE shell in a real Chromium: fixed panes that fit the window, draggable splits remembered per
learner, terminals in tabs, Restart where the workspace was, and pane tabs at a phone's width.

Screenshots land in ``test-results/screenshots`` as ``ide-shell-*.png`` (1400×900 and 390×844).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from playwright.async_api import Browser, FloatRect, Locator, Page, ViewportSize, expect

from tests.browser.conftest import Platform, screenshot
from tests.browser.test_authoring_and_admin import sign_in
from tests.browser.test_learner_journey import LONG
from tests.practica.lessons.factories import write_course

pytestmark = [pytest.mark.browser, pytest.mark.sandbox]

WIDE: ViewportSize = {"width": 1400, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
LESSON = "/courses/shell-course/lessons/add"
UNBROKEN = "x" * 400
TASK = f"Write `add(a, b)` in **solution.py**.\n\n{UNBROKEN}\n\n```python\nprint('{'y' * 300}')\n```\n"


def publish(platform: Platform, directory: Path) -> None:
    """A lesson whose task holds a 400-character word and a 300-character code line."""
    course = write_course(directory, ["add"])
    path = course / "add" / "lesson.yaml"
    lesson = yaml.safe_load(path.read_text())
    lesson.update(run="python3 solution.py", task=TASK)
    path.write_text(yaml.safe_dump(lesson, sort_keys=False))
    imported = platform.practica("course", "import", str(course))
    assert imported.returncode == 0, imported.stderr


async def open_lesson(page: Page, platform: Platform) -> None:
    await page.goto(f"{platform.url}{LESSON}")
    await expect(page.get_by_role("heading", name="Add two numbers", level=1)).to_be_visible()


async def connected(panel: Locator) -> None:
    await expect(panel.get_by_label("Connection status")).to_have_text("Connected", timeout=LONG)


async def page_extent(page: Page) -> dict[str, int]:
    extent: dict[str, int] = await page.evaluate(
        """() => ({scrollHeight: document.scrollingElement.scrollHeight, innerHeight: innerHeight,
                   scrollWidth: document.scrollingElement.scrollWidth, innerWidth: innerWidth})"""
    )
    return extent


async def assert_page_does_not_scroll(page: Page) -> None:
    extent = await page_extent(page)
    assert extent["scrollHeight"] <= extent["innerHeight"], extent
    assert extent["scrollWidth"] <= extent["innerWidth"], extent


async def assert_in_viewport(locator: Locator, viewport: ViewportSize) -> FloatRect:
    await expect(locator).to_be_visible()
    box = await locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0, box
    assert box["y"] >= 0, box
    assert box["x"] + box["width"] <= viewport["width"] + 0.5, box
    assert box["y"] + box["height"] <= viewport["height"] + 0.5, box
    return box


async def type_in_terminal(page: Page, panel: Locator, text: str) -> None:
    await panel.click()
    await page.keyboard.type(text)


async def stop_environment_as_admin(browser: Browser, platform: Platform, env_id: str) -> None:
    """What an admin's Stop button sends: ``POST /api/admin/environments/{id}/stop``."""
    context = await browser.new_context()
    try:
        admin = await context.new_page()
        await sign_in(admin, platform, "root@example.org", "admin")
        await admin.request.get(f"{platform.url}/api/auth/csrf")
        csrf = next(cookie["value"] for cookie in await context.cookies() if cookie["name"] == "practica_csrf")
        stopped = await admin.request.post(
            f"{platform.url}/api/admin/environments/{env_id}/stop", headers={"X-CSRF-Token": csrf}
        )
        assert stopped.ok, await stopped.text()
    finally:
        await context.close()


async def test_at_1400_by_900_every_pane_fits_splits_are_remembered_terminals_are_tabs_and_restart_is_in_place(
    page: Page, platform: Platform, browser: Browser, tmp_path: Path
) -> None:
    publish(platform, tmp_path / "shell-course")
    await page.set_viewport_size(WIDE)
    await sign_in(page, platform, "ada@example.org", "learner")
    await open_lesson(page, platform)
    first = page.get_by_role("tabpanel", name="Terminal 1")
    await connected(first)
    await expect(page.get_by_label("Editor")).to_contain_text("NotImplementedError", timeout=LONG)

    # Task, editor, terminal, Check and the results pane all sit inside the window; the page itself never scrolls.
    await assert_in_viewport(page.locator("#ide-task"), WIDE)
    await assert_in_viewport(page.get_by_role("heading", name="Add two numbers", level=1), WIDE)
    await assert_in_viewport(page.get_by_label("Editor"), WIDE)
    await assert_in_viewport(first, WIDE)
    await assert_in_viewport(page.get_by_role("button", name="Check", exact=True), WIDE)
    await assert_in_viewport(page.locator("#ide-results"), WIDE)
    await assert_in_viewport(page.get_by_role("button", name="Run", exact=True), WIDE)
    await assert_page_does_not_scroll(page)

    # A very long line in the editor (and the task's own) scrolls inside its pane, not the page.
    editor = page.get_by_label("Editor")
    await editor.click()
    await page.keyboard.press("Control+End")
    await page.keyboard.type(f"\nLONG = '{'z' * 500}'\n")
    await expect(page.get_by_label("Save status")).to_contain_text("Saved", timeout=LONG)
    await assert_page_does_not_scroll(page)
    await screenshot(page, "ide-shell-1400x900")
    await page.get_by_role("button", name="Reset to starter files").click()  # its dialog is not clipped by the pane
    dialog = page.get_by_role("alertdialog", name="Reset to starter files?")
    await assert_in_viewport(dialog, WIDE)
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_have_count(0)

    # Dragging the split between task and code widens the task; the sizes come back after a reload.
    task = page.locator("#ide-task")
    before = await assert_in_viewport(task, WIDE)
    separator = page.get_by_role("separator", name="Resize the task pane")
    handle = await separator.bounding_box()
    assert handle is not None
    await page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    await page.mouse.down()
    await page.mouse.move(handle["x"] + 150, handle["y"] + handle["height"] / 2, steps=8)
    await page.mouse.up()
    dragged = await assert_in_viewport(task, WIDE)
    assert dragged["width"] == pytest.approx(before["width"] + 150, abs=20), (before, dragged)
    await page.wait_for_function(
        "() => Object.keys(localStorage).some((key) => key.startsWith('practica.ide-layout.v1.'))"
    )
    await page.reload()
    await connected(page.get_by_role("tabpanel", name="Terminal 1"))
    restored = await assert_in_viewport(task, WIDE)
    assert restored["width"] == pytest.approx(dragged["width"], abs=3), (dragged, restored)
    await assert_page_does_not_scroll(page)

    # The splits move with the keyboard too.
    results = page.locator("#ide-results")
    before_keys = await assert_in_viewport(results, WIDE)
    await page.get_by_role("separator", name="Resize the results pane").focus()
    for _ in range(3):
        await page.keyboard.press("ArrowDown")
    after_keys = await assert_in_viewport(results, WIDE)
    assert abs(after_keys["height"] - before_keys["height"]) > 10, (before_keys, after_keys)

    # A second terminal tab runs a shell of its own.
    await page.get_by_role("button", name="New terminal").click()
    second = page.get_by_role("tabpanel", name="Terminal 2")
    await expect(page.get_by_role("tab", name="Terminal 2")).to_have_attribute("aria-selected", "true")
    await connected(second)
    await type_in_terminal(page, second, 'cd /tmp && echo "two:$PWD"\n')
    await expect(second).to_contain_text("two:/tmp", timeout=LONG)
    await page.get_by_role("tab", name="Terminal 1").click()
    await expect(first).to_be_visible()
    await expect(second).to_be_hidden()
    await type_in_terminal(page, first, 'echo "one:$PWD"\n')
    await expect(first).to_contain_text("one:/", timeout=LONG)
    assert "one:/tmp" not in await first.inner_text()
    await screenshot(page, "ide-shell-terminal-tabs-1400x900")
    await page.get_by_role("button", name="Close Terminal 2").click()
    await expect(page.get_by_role("tab", name="Terminal 2")).to_have_count(0)

    # Stopped from outside: the pane says so and offers Restart, which brings the terminal back.
    environment = await page.request.get(f"{platform.url}/api/courses/shell-course/lessons/add/environment")
    await stop_environment_as_admin(browser, platform, str((await environment.json())["id"]))
    code = page.locator("#ide-code")
    await expect(code.get_by_text("Environment stopped")).to_be_visible(timeout=LONG)
    await assert_page_does_not_scroll(page)
    await screenshot(page, "ide-shell-stopped-1400x900")
    await code.get_by_role("button", name="Restart environment").click()
    restarted = page.get_by_role("tabpanel", name="Terminal 1")
    await connected(restarted)
    await type_in_terminal(page, restarted, "echo back-$((40+2))\n")
    await expect(restarted).to_contain_text("back-42", timeout=LONG)


async def test_at_390_by_844_the_panes_are_tabs_and_nothing_scrolls_sideways(
    page: Page, platform: Platform, tmp_path: Path
) -> None:
    publish(platform, tmp_path / "shell-course")
    await page.set_viewport_size(PHONE)
    await sign_in(page, platform, "grace@example.org", "learner")
    await open_lesson(page, platform)
    tabs = page.get_by_role("tablist", name="Lesson panes")
    await expect(tabs.get_by_role("tab", name="Task")).to_have_attribute("aria-selected", "true")
    task = page.get_by_role("region", name="Add two numbers")
    await assert_in_viewport(page.get_by_role("heading", name="Add two numbers", level=1), PHONE)
    await expect(task).to_contain_text("Write add(a, b) in solution.py.")
    size = await task.evaluate("(element) => parseFloat(getComputedStyle(element).fontSize)")
    assert size >= 14
    await assert_page_does_not_scroll(page)
    await screenshot(page, "ide-shell-task-390x844")

    await tabs.get_by_role("tab", name="Code").click()
    await expect(page.get_by_label("Editor")).to_contain_text("NotImplementedError", timeout=LONG)
    await assert_in_viewport(page.get_by_label("Editor"), PHONE)
    await expect(page.get_by_role("heading", name="Add two numbers", level=1)).to_be_hidden()
    await assert_page_does_not_scroll(page)
    await screenshot(page, "ide-shell-code-390x844")

    await tabs.get_by_role("tab", name="Code").press("ArrowRight")  # the keyboard moves between panes too
    await expect(tabs.get_by_role("tab", name="Terminal")).to_be_focused()
    terminal = page.get_by_role("tabpanel", name="Terminal 1")
    await connected(terminal)
    await assert_in_viewport(terminal, PHONE)
    await type_in_terminal(page, terminal, "echo phone-$((40+2))\n")
    await expect(terminal).to_contain_text("phone-42", timeout=LONG)
    await assert_page_does_not_scroll(page)
    await screenshot(page, "ide-shell-terminal-390x844")

    await tabs.get_by_role("tab", name="Results").click()
    await assert_in_viewport(page.get_by_role("button", name="Check", exact=True), PHONE)
    await expect(page.get_by_label("Editor")).to_be_hidden()
    await assert_page_does_not_scroll(page)
    await screenshot(page, "ide-shell-results-390x844")
