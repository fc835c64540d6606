"""Basics of the learner's and the author's pages, in a real Chromium against everything ``practica up`` starts.

Run without a run command runs the open file (a new file, named to break a
shell, takes the keyboard focus in the editor); after a pass, Next lesson goes
to the next lesson; a lesson's history names its learners; an author's preview
shows the task and its Check reports the tests; an invitation names its
organisation. Each page is shot at 1400×900 and at a phone's 390×844.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from playwright.async_api import Page, expect

from tests.browser.conftest import Platform, screenshot
from tests.browser.test_learner_journey import ADMIN, ADMIN_PASSWORD, RIGHT, sign_up_and_confirm, write_in_editor
from tests.practica.lessons.factories import write_course

pytestmark = [pytest.mark.browser, pytest.mark.sandbox]

CHECK = {
    "command": ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=report.xml", "tests"],
    "tests_into": "tests",
}
LONG = 90_000  # environment start, check and validation jobs, the event relay, on a busy machine
WIDE = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
EVIL = "a b;rm -rf ~.py"  # one file name, or three shell words and a command if it were not quoted


def two_lessons(directory: Path) -> Path:
    """The course "Python basics": lessons "First steps" (no run command) then "Second steps"."""
    course = write_course(directory, ["first", "second"])
    for slug, title in (("first", "First steps"), ("second", "Second steps")):
        path = course / slug / "lesson.yaml"
        lesson = yaml.safe_load(path.read_text())
        lesson.update(title=title, check=CHECK, task=f"{title}: write `add(a, b)` in **solution.py**.")
        path.write_text(yaml.safe_dump(lesson, sort_keys=False))
    return course


async def shoot(page: Page, name: str) -> None:
    """The page at 1400×900, then at 390×844, and back."""
    await screenshot(page, name)
    await page.set_viewport_size(PHONE)
    await page.wait_for_timeout(500)  # the terminal and editor refit to the new width (only for the picture)
    await screenshot(page, f"{name}-390")
    await page.set_viewport_size(WIDE)


PASSWORD = "a long password"


async def sign_in(page: Page, platform: Platform, email: str, password: str = PASSWORD) -> None:
    await page.context.clear_cookies()  # whoever was signed in
    await page.goto(f"{platform.url}/signin")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def create_user(platform: Platform, email: str, role: str, name: str) -> None:
    made = platform.practica(
        "user", "create", email, "--role", role, "--display-name", name, "--password-stdin", stdin=f"{PASSWORD}\n"
    )
    assert made.returncode == 0, made.stderr


async def test_run_the_open_file_pass_go_to_the_next_lesson_and_see_names_in_the_history(
    page: Page, platform: Platform, tmp_path: Path
) -> None:
    imported = platform.practica("course", "import", str(two_lessons(tmp_path / "python-basics")))
    assert imported.returncode == 0, imported.stderr
    await page.set_viewport_size(WIDE)
    await sign_up_and_confirm(page, platform, "ada@example.org")  # display name "Ada"
    await page.goto(f"{platform.url}/courses/python-basics/lessons/first")
    terminal = page.get_by_label("Terminal")
    await expect(page.get_by_label("Connection status")).to_contain_text("onnected", timeout=LONG)

    await page.get_by_role("button", name="New file").click()
    await page.get_by_label("File name").fill(EVIL)
    await page.get_by_role("button", name="Create", exact=True).click()
    await expect(page.get_by_role("tab", name=EVIL)).to_have_attribute("aria-selected", "true", timeout=LONG)
    await expect(page.get_by_label("Editor")).to_be_focused()
    await page.keyboard.type('print("ran", __file__)')  # straight into the editor: it has the keyboard focus
    await expect(page.get_by_label("Save status")).to_contain_text("Saved", timeout=LONG)
    run = page.get_by_role("button", name="Run", exact=True)
    await expect(run).to_have_attribute("title", f"Runs “python3 '{EVIL}'” in the terminal (Ctrl+Enter in the editor)")
    await run.click()
    # Python names the file it runs (absolute since 3.9): the whole name reached it as one argument.
    await expect(terminal).to_contain_text(re.compile(r"ran (/workspace/)?a b;rm -rf ~\.py"), timeout=LONG)
    await shoot(page, "basics-run-open-file")

    await page.get_by_role("treeitem", name="solution.py").click()
    await write_in_editor(page, RIGHT)
    await page.get_by_role("button", name="Check", exact=True).click()
    await expect(page.get_by_label("Check status")).to_contain_text("Passed", timeout=LONG)
    next_lesson = page.get_by_role("link", name="Next lesson: Second steps")
    await expect(next_lesson).to_be_visible()
    await shoot(page, "basics-next-lesson")
    await next_lesson.click()
    await expect(page.get_by_role("heading", name="Second steps", level=1)).to_be_visible()
    await expect(page).to_have_url(f"{platform.url}/courses/python-basics/lessons/second")
    await page.goto(f"{platform.url}/courses/python-basics")
    await expect(page.get_by_role("link", name="Next lesson: Second steps")).to_be_visible()

    await sign_in(page, platform, ADMIN, ADMIN_PASSWORD)  # admins read every lesson's history
    await page.goto(f"{platform.url}/activity?scope=lesson&course=python-basics&lesson=first")
    activity = page.get_by_role("list", name="Activity")
    for _ in range(30):  # the relay job delivers the events to Chronicles within a few seconds
        if "completed the lesson" in (await activity.inner_text() if await activity.count() else ""):
            break
        await page.wait_for_timeout(1000)
        await page.reload()
    await expect(activity).to_contain_text("completed the lesson First steps")
    await expect(activity).to_contain_text("By Ada")
    await expect(activity).not_to_contain_text("gid://")
    await shoot(page, "basics-activity-names")


def course_repository(platform: Platform, name: str) -> str:
    """A git repository of a course, where the worker may read it (as root `practica up` runs it as `practica`)."""
    course = two_lessons(Path(platform.env["PRACTICA_HOME"]) / "authors" / name)
    git = ["git", "-C", str(course), "-c", "user.email=a@example.org", "-c", "user.name=Author"]
    for step in (["init", "-q"], ["add", "."], ["commit", "-qm", "course"]):
        subprocess.run([*git, *step], check=True)
    return f"file://{course}"


async def test_the_preview_shows_the_task_and_checks_and_an_invitation_names_its_organization(
    page: Page, platform: Platform
) -> None:
    create_user(platform, "author@example.org", "author", "Ada Author")
    create_user(platform, "bea@example.org", "learner", "Bea")
    await page.set_viewport_size(WIDE)
    await sign_in(page, platform, "author@example.org")
    await page.get_by_role("link", name="Authoring").click()
    await page.get_by_label("Git URL").fill(course_repository(platform, "python-basics"))
    await page.get_by_role("button", name="Import from Git").click()
    status = page.get_by_label("Draft status")
    await expect(status).to_contain_text("valid", ignore_case=True, timeout=LONG)
    await expect(status).not_to_contain_text("validating", ignore_case=True, timeout=LONG)
    await page.get_by_role("button", name="Preview First steps").click()
    task = page.get_by_role("region", name="Task")
    await expect(task).to_contain_text("write add(a, b) in solution.py")
    await expect(page.get_by_role("treeitem", name="solution.py")).to_be_visible(timeout=LONG)
    await page.get_by_role("treeitem", name="solution.py").click()
    await write_in_editor(page, RIGHT)
    await task.get_by_role("button", name="Check", exact=True).click()
    await expect(task.get_by_label("Check status")).to_contain_text("Passed", timeout=LONG)
    await expect(task).to_contain_text("1 of 1 test passed")
    await shoot(page, "basics-preview-check")

    await page.goto(f"{platform.url}/organizations")
    await page.get_by_label("Name", exact=True).fill("Acme Academy")
    await page.get_by_label("Slug").fill("acme")
    await page.get_by_role("button", name="Create organization").click()
    await expect(page.get_by_role("heading", name="Acme Academy", level=1)).to_be_visible()  # its page
    await page.get_by_role("button", name="Create invitation link").click()
    link = await page.locator('input[aria-label^="Invitation link"]').input_value()
    assert "/invitations/" in link

    await sign_in(page, platform, "bea@example.org")
    await page.goto(link)
    await expect(page.get_by_role("heading", name="Join Acme Academy")).to_be_visible()
    await expect(page.get_by_role("main")).to_contain_text("Ada Author invited you to join Acme Academy")
    await shoot(page, "basics-invitation")
    await page.get_by_role("button", name="Join Acme Academy").click()
    await expect(page.get_by_role("status")).to_contain_text("You joined Acme Academy")
    await page.goto(f"{platform.url}/invitations/not-a-real-token")
    await expect(page.get_by_role("alert")).to_contain_text("invalid or has expired")
    await expect(page.get_by_role("main")).not_to_contain_text("Acme")
