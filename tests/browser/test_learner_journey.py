"""A new learner's whole journey in a real Chromium against everything ``practica up`` starts.

Sign up, confirm by the mail link, open a Python lesson, see the terminal
answer ``echo``, edit a file, check and fail, fix, check and pass, and see
``check.passed`` in the activity view. Screenshots of the main pages land in
``test-results/screenshots``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from playwright.async_api import Page, expect

from tests.browser.conftest import Platform, screenshot
from tests.practica.lessons.factories import write_course

pytestmark = [pytest.mark.browser, pytest.mark.sandbox]

CHECK = {
    "command": ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=report.xml", "tests"],
    "tests_into": "tests",
}
WRONG = "def add(a, b):\n    return a - b\n"
RIGHT = "def add(a, b):\n    return a + b\n"
ADMIN = "root@example.org"
ADMIN_PASSWORD = "an admin's own passphrase"
LONG = 60_000  # environment start, check jobs and the event relay, on a busy CI machine


def publish_course(platform: Platform, directory: Path, **overrides: object) -> None:
    course = write_course(directory, ["add"], **overrides)
    path = course / "add" / "lesson.yaml"
    lesson = yaml.safe_load(path.read_text())
    lesson.update(check=CHECK, run="python3 solution.py", task="Write `add(a, b)` in **solution.py**.")
    path.write_text(yaml.safe_dump(lesson, sort_keys=False))
    imported = platform.practica("course", "import", str(course))
    assert imported.returncode == 0, imported.stderr


async def sign_up_and_confirm(page: Page, platform: Platform, email: str) -> None:
    await page.goto(f"{platform.url}/signup")
    await page.get_by_label("Display name").fill("Ada")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill("correct horse battery")
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_role("status")).to_contain_text("Check your email")
    await page.goto(await confirmation_link(page, platform))
    await expect(page.get_by_role("status")).to_contain_text("confirmed", timeout=LONG)
    await page.goto(f"{platform.url}/signin")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill("correct horse battery")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()


async def confirmation_link(page: Page, platform: Platform) -> str:
    """The link in the confirmation mail, read at ``/dev/mail`` by an admin in a browser of their own."""
    made = platform.practica(
        "user", "create", ADMIN, "--role", "admin", "--password-stdin", stdin=f"{ADMIN_PASSWORD}\n"
    )
    assert made.returncode == 0, made.stderr
    assert page.context.browser is not None
    admin = await page.context.browser.new_context(viewport={"width": 1366, "height": 800})
    try:
        mail = await admin.new_page()
        await mail.goto(f"{platform.url}/signin")
        await mail.get_by_label("Email").fill(ADMIN)
        await mail.get_by_label("Password").fill(ADMIN_PASSWORD)
        await mail.get_by_role("button", name="Sign in").click()
        await expect(mail.get_by_role("button", name="Sign out")).to_be_visible()
        link = mail.get_by_role("link", name=re.compile("confirm")).first
        for _ in range(60):  # the mail job runs in the worker
            await mail.goto(f"{platform.url}/dev/mail")
            if await link.count():
                break
            await mail.wait_for_timeout(1000)
        await screenshot(mail, "dev-mail")
        href = await link.get_attribute("href")
        assert href is not None
        return href
    finally:
        await admin.close()


async def write_in_editor(page: Page, text: str) -> None:
    editor = page.get_by_label("Editor")
    await editor.click()
    await page.keyboard.press("Control+A")
    await page.keyboard.press("Delete")
    await editor.type(text.replace("    ", ""))  # CodeMirror indents after the colon itself
    await expect(page.get_by_label("Save status")).to_contain_text("Saved", timeout=LONG)


async def check(page: Page, expected: str) -> None:
    await page.get_by_role("button", name="Check", exact=True).click()
    await expect(page.get_by_label("Check status")).to_contain_text(expected, ignore_case=True, timeout=LONG)


async def test_sign_up_open_a_lesson_fail_fix_pass_and_see_it_in_the_activity(
    page: Page, platform: Platform, tmp_path: Path
) -> None:
    publish_course(platform, tmp_path / "python-start")
    await sign_up_and_confirm(page, platform, "ada@example.org")

    await page.goto(platform.url)
    await expect(page.get_by_role("heading", name="Python basics")).to_be_visible()
    await screenshot(page, "catalogue")
    await page.get_by_role("link", name="Python basics").click()
    await page.get_by_role("link", name="Add two numbers").click()
    await expect(page.get_by_role("heading", name="Add two numbers")).to_be_visible()

    terminal = page.get_by_label("Terminal")
    await expect(page.get_by_label("Connection status")).to_contain_text("onnected", timeout=LONG)
    await terminal.click()
    await page.keyboard.type("echo practica-says-$((40+2))\n")
    await expect(terminal).to_contain_text("practica-says-42", timeout=LONG)

    await page.get_by_role("treeitem", name="solution.py").click()
    await expect(page.get_by_label("Editor")).to_contain_text("NotImplementedError")
    await write_in_editor(page, WRONG)
    await check(page, "failed")
    results = page.get_by_label("Test results")
    await expect(results).to_contain_text("test_add")
    await expect(results).to_contain_text("assert")
    await screenshot(page, "lesson-failed-check")

    await write_in_editor(page, RIGHT)
    await check(page, "passed")
    await screenshot(page, "lesson-passed-check")

    await page.get_by_role("link", name="Activity").click()
    activity = page.get_by_role("list", name="Activity")
    for _ in range(30):  # the relay job delivers the events to Chronicles within a few seconds
        if "completed the lesson" in (await activity.inner_text() if await activity.count() else ""):
            break
        await page.wait_for_timeout(1000)
        await page.reload()
    await expect(activity).to_contain_text("passed all 1 tests of Add two numbers")
    await expect(activity).to_contain_text("completed the lesson Add two numbers")
    await screenshot(page, "activity")


async def test_a_private_course_is_invisible_to_non_members_and_forged_requests_are_refused(
    page: Page, platform: Platform, tmp_path: Path
) -> None:
    publish_course(platform, tmp_path / "internal-training", title="Internal training",
                   visibility={"organization": "acme"})  # fmt: skip
    await sign_up_and_confirm(page, platform, "eve@example.org")
    dev_mail = await page.request.get(f"{platform.url}/dev/mail")  # everyone's sign-in links: admins only
    assert dev_mail.status == 403
    await page.goto(platform.url)
    await expect(page.get_by_role("main")).not_to_contain_text("Internal training")
    missing = await page.request.get(f"{platform.url}/api/courses/internal-training/lessons/add")
    assert missing.status == 404

    no_csrf = await page.request.post(f"{platform.url}/api/courses/internal-training/lessons/add/environment")
    assert no_csrf.status == 403
    assert "CSRF" in (await no_csrf.json())["detail"]
    await page.context.clear_cookies()
    signed_out = await page.request.get(f"{platform.url}/api/me")
    assert signed_out.status == 401
