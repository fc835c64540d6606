"""Every page of the app, as the role that sees it, at 1400×900 and 390×844: no serious or critical axe-core finding.

(And at 1400×900 in the dark colour scheme, whose colours are a second palette.)

The routes are those of ``frontend/src/App.tsx``; each page is checked in the
state a user meets (a lesson with its IDE ready and after a failed check, a
draft with its preview open, error messages shown). A page added to the app
belongs here too: ``await both_sizes(page, "what it is")`` once it has loaded.
The last test uses the lesson page with the keyboard alone.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from playwright.async_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import Platform
from tests.browser.test_authoring_and_admin import course_repository, sign_in
from tests.browser.test_learner_journey import CHECK, publish_course
from tests.practica.lessons.factories import write_course

pytestmark = [pytest.mark.browser, pytest.mark.sandbox]

WIDE = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
LONG = 90_000  # environments starting, checks and the draft's validation on a busy CI machine
LESSON = "/courses/python-start/lessons/add"
MOST_TAB_PRESSES = 80  # every control of the lesson page, with room to spare


async def both_sizes(page: Page, where: str) -> None:
    """axe-core on the page as it is, laid out for a desktop and for a phone, and in the dark colour scheme."""
    for viewport in (WIDE, PHONE):
        await page.set_viewport_size(viewport)
        await page.wait_for_function(f"() => window.innerWidth === {viewport['width']}")
        await assert_accessible(page, f"{where} at {viewport['width']}×{viewport['height']}")
    await page.set_viewport_size(WIDE)
    await page.emulate_media(color_scheme="dark")
    try:
        await assert_accessible(page, f"{where} at {WIDE['width']}×{WIDE['height']}, dark")
    finally:
        await page.emulate_media(color_scheme="light")


async def visit(page: Page, platform: Platform, path: str, heading: str | re.Pattern[str]) -> None:
    await page.goto(f"{platform.url}{path}")
    await expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible(timeout=LONG)


async def open_ready_lesson(page: Page, platform: Platform) -> None:
    await page.goto(f"{platform.url}{LESSON}")
    await expect(page.get_by_label("Connection status")).to_contain_text("onnected", timeout=LONG)
    await expect(page.get_by_label("Editor")).to_contain_text("NotImplementedError", timeout=LONG)


async def test_the_signed_out_pages(page: Page, platform: Platform, tmp_path: Path) -> None:
    publish_course(platform, tmp_path / "python-start")
    await visit(page, platform, "/", "Courses")
    await both_sizes(page, "the catalogue, signed out")
    await visit(page, platform, "/signin", "Sign in")
    await page.get_by_label("Email").fill("nobody@example.org")
    await page.get_by_label("Password").fill("not the password at all")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_be_visible(timeout=LONG)
    await both_sizes(page, "sign-in, refused")
    await visit(page, platform, "/signup", "Sign up")
    await both_sizes(page, "sign-up")
    await visit(page, platform, "/reset", "Reset your password")
    await both_sizes(page, "the password reset request")
    await visit(page, platform, "/reset/not-a-real-token", "Set a new password")
    await both_sizes(page, "a password reset link")
    await page.goto(f"{platform.url}/confirm/not-a-real-token")
    await expect(page.get_by_role("alert")).to_be_visible(timeout=LONG)
    await both_sizes(page, "an email confirmation link that failed")
    await page.goto(f"{platform.url}/status")
    await expect(page.get_by_role("region", name="System status")).to_contain_text("Database", timeout=LONG)
    await both_sizes(page, "the system status")
    await visit(page, platform, "/no/such/page", "Page not found")
    await both_sizes(page, "a page that does not exist")


async def test_the_learner_pages(page: Page, platform: Platform, tmp_path: Path) -> None:
    publish_lesson_with_two_files(platform, tmp_path / "python-start")
    await sign_in(page, platform, "learner@example.org", "learner")
    await visit(page, platform, "/", "Courses")
    await both_sizes(page, "the catalogue")
    await visit(page, platform, "/courses/python-start", "Python basics")
    await both_sizes(page, "a course")

    await open_ready_lesson(page, platform)
    await both_sizes(page, "a lesson with its IDE ready")
    await page.get_by_role("button", name="Check", exact=True).click()
    await expect(page.get_by_label("Check status")).to_contain_text("failed", ignore_case=True, timeout=LONG)
    await expect(page.get_by_label("Test results")).to_contain_text("test_add")
    await both_sizes(page, "a lesson after a failed check")
    # At the wide size only: crossing to the phone's pane tabs mounts the panes anew, and an open form with them.
    await page.get_by_role("button", name="New file").click()
    await assert_accessible(page, f"a lesson creating a file at {WIDE['width']}×{WIDE['height']}")
    await page.get_by_role("button", name="Cancel").click()
    await page.get_by_role("button", name="Reset to starter files").click()
    await expect(page.get_by_role("alertdialog")).to_be_visible()
    await both_sizes(page, "a lesson asking before a reset")
    await page.get_by_role("alertdialog").get_by_role("button", name="Cancel").click()

    await visit(page, platform, "/activity", re.compile("activity", re.IGNORECASE))
    await both_sizes(page, "the activity")
    await visit(page, platform, "/organizations", "Organizations")
    await both_sizes(page, "the organisations")
    await page.goto(f"{platform.url}/invitations/not-a-real-token")  # looked up at once: refused, no button
    await expect(page.get_by_role("alert")).to_be_visible(timeout=LONG)
    await both_sizes(page, "an invitation that failed")
    await visit(page, platform, "/setup/not-a-real-token", "Set up Practica")
    await both_sizes(page, "the setup link")


async def test_the_author_and_admin_pages(page: Page, platform: Platform) -> None:
    repository = course_repository(platform, "arithmetic")
    await sign_in(page, platform, "root@example.org", "admin")
    await visit(page, platform, "/authoring", "Authoring")
    await both_sizes(page, "authoring")
    await page.get_by_label("Git URL").fill(repository)
    await page.get_by_role("button", name="Import from Git").click()
    await expect(page.get_by_label("Draft status")).to_have_text("Valid", timeout=LONG)
    await both_sizes(page, "a valid draft")
    await page.get_by_role("button", name="Preview Add two numbers").click()
    await expect(page.get_by_label("Editor")).to_contain_text("NotImplementedError", timeout=LONG)
    await both_sizes(page, "a draft with its preview")

    await visit(page, platform, "/organizations", "Organizations")
    await page.get_by_label("Name").fill("Acme")
    await page.get_by_label("Slug").fill("acme")
    await page.get_by_role("button", name="Create organization").click()
    await expect(page.get_by_role("heading", name="Acme", level=1)).to_be_visible(timeout=LONG)
    await expect(page.get_by_role("main")).to_contain_text("No pending invitations", timeout=LONG)
    await both_sizes(page, "a new organisation")
    await page.get_by_role("button", name="Create invitation link").click()
    await expect(page.get_by_label(re.compile("^Invitation link"))).to_be_visible(timeout=LONG)
    await both_sizes(page, "an organisation with a pending invitation")
    await visit(page, platform, "/organizations", "Organizations")
    await expect(page.get_by_role("link", name="Acme")).to_be_visible()
    await both_sizes(page, "the organisations of an organisation's admin")

    await visit(page, platform, "/admin/jobs", "Jobs")
    await expect(page.get_by_role("main")).to_contain_text("practica.sandbox.cull", timeout=LONG)
    await both_sizes(page, "the admin's jobs")
    for path, heading in (("environments", "Environments"), ("users", "Users"), ("organizations", "Organizations")):
        await visit(page, platform, f"/admin/{path}", heading)
        await both_sizes(page, f"the admin's {heading.lower()}")


FOCUSED = """() => {
    const element = document.activeElement;
    return {
        role: element?.getAttribute("role") ?? "",
        name: element?.getAttribute("aria-label") || element?.textContent?.trim() || "",
        inEditor: Boolean(element?.closest(".cm-editor")),
        inTerminal: Boolean(element?.closest(".xterm")),
    };
}"""


async def focused(page: Page) -> dict[str, str | bool]:
    found: dict[str, str | bool] = await page.evaluate(FOCUSED)
    return found


async def tab_until(page: Page, wanted: dict[str, str | bool], key: str = "Tab") -> None:
    """Press Tab (or Shift+Tab) until the focused element matches, leaving the editor the documented way."""
    for _ in range(MOST_TAB_PRESSES):
        await page.keyboard.press(key)
        now = await focused(page)
        if all(now[field] == value for field, value in wanted.items()):
            return
        if now["inEditor"]:
            await page.keyboard.press("Escape")  # CodeMirror: the next Tab moves focus instead of indenting
    raise AssertionError(f"{key} never reached {wanted}; focus ended on {await focused(page)}")


async def arrow_until(page: Page, name: str) -> None:
    for _ in range(10):
        if (await focused(page))["name"] == name:
            return
        await page.keyboard.press("ArrowDown")
    raise AssertionError(f"the file tree's arrows never reached {name}")


def publish_lesson_with_two_files(platform: Platform, directory: Path) -> None:
    """The python-start course; its solution.py is longer than the editor (which scrolls) and NOTES.txt is beside it."""
    course = write_course(directory, ["add"])
    lesson = course / "add"
    comments = "".join(f"# Line {number} of a long file: the editor scrolls.\n" for number in range(80))
    (lesson / "starter" / "solution.py").write_text(f"def add(a, b):\n    raise NotImplementedError\n\n\n{comments}")
    (lesson / "starter" / "NOTES.txt").write_text("Notes for the lesson\n")
    settings = yaml.safe_load((lesson / "lesson.yaml").read_text())
    settings.update(check=CHECK, task="Write `add(a, b)` in **solution.py**.")
    (lesson / "lesson.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    imported = platform.practica("course", "import", str(course))
    assert imported.returncode == 0, imported.stderr


async def test_the_lesson_page_works_with_the_keyboard_alone(page: Page, platform: Platform, tmp_path: Path) -> None:
    publish_lesson_with_two_files(platform, tmp_path / "python-start")
    await sign_in(page, platform, "learner@example.org", "learner")
    await open_ready_lesson(page, platform)
    await page.locator("body").focus()

    await tab_until(page, {"role": "treeitem"})
    await arrow_until(page, "NOTES.txt")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("tab", name="NOTES.txt", selected=True)).to_be_visible()
    await expect(page.get_by_label("Editor")).to_contain_text("Notes for the lesson")
    assert (await focused(page))["role"] == "treeitem", "opening a file keeps the focus in the tree"
    await arrow_until(page, "solution.py")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("tab", name="solution.py", selected=True)).to_be_visible()

    await tab_until(page, {"inEditor": True})
    await page.keyboard.press("Control+A")
    await page.keyboard.type("def add(a, b):\nreturn a + b\n")  # CodeMirror indents after the colon
    await expect(page.get_by_label("Save status")).to_have_text("Saved", timeout=LONG)
    await page.keyboard.press("Escape")
    await tab_until(page, {"role": "", "name": "Check"}, key="Shift+Tab")
    await page.keyboard.press("Enter")
    await expect(page.get_by_label("Check status")).to_contain_text("passed", ignore_case=True, timeout=LONG)

    await tab_until(page, {"inTerminal": True})
    await page.keyboard.type("echo keyboard-$((6*7))\n")
    await expect(page.get_by_label("Terminal")).to_contain_text("keyboard-42", timeout=LONG)
    await page.keyboard.press("Tab")  # the shell's completion: Tab alone stays in the terminal
    assert (await focused(page))["inTerminal"]
    await page.keyboard.press("Escape")
    await page.keyboard.press("Tab")
    assert not (await focused(page))["inTerminal"], "Escape then Tab should leave the terminal"
