"""An author imports a course from git, watches it validate, previews and publishes it; an admin sees the jobs."""

from __future__ import annotations

import subprocess
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
LONG = 90_000  # the validation job runs the lesson three times in real environments


def course_repository(platform: Platform, name: str) -> str:
    """A git repository of a course, where the worker may read it (as root `practica up` runs it as `practica`)."""
    course = write_course(Path(platform.env["PRACTICA_HOME"]) / "authors" / name, ["add"], title="Arithmetic drills")
    path = course / "add" / "lesson.yaml"
    lesson = yaml.safe_load(path.read_text())
    lesson.update(check=CHECK)
    path.write_text(yaml.safe_dump(lesson, sort_keys=False))
    git = ["git", "-C", str(course), "-c", "user.email=a@example.org", "-c", "user.name=Author"]
    for step in (["init", "-q"], ["add", "."], ["commit", "-qm", "course"]):
        subprocess.run([*git, *step], check=True)
    return f"file://{course}"


async def sign_in(page: Page, platform: Platform, email: str, role: str) -> None:
    made = platform.practica("user", "create", email, "--role", role, "--password-stdin", stdin="a long password\n")
    assert made.returncode == 0, made.stderr
    await page.goto(f"{platform.url}/signin")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill("a long password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()


async def test_an_author_imports_validates_previews_and_publishes_a_course(page: Page, platform: Platform) -> None:
    repository = course_repository(platform, "arithmetic")
    await sign_in(page, platform, "author@example.org", "author")
    await page.get_by_role("link", name="Authoring").click()
    await page.get_by_label("Git URL").fill(repository)
    await page.get_by_role("button", name="Import from Git").click()
    status = page.get_by_label("Draft status")
    await expect(status).to_contain_text("valid", ignore_case=True, timeout=LONG)
    await expect(status).not_to_contain_text("validating", ignore_case=True, timeout=LONG)
    await expect(status).not_to_contain_text("invalid", ignore_case=True)
    await screenshot(page, "authoring-draft-valid")

    await page.get_by_role("button", name="Preview Add two numbers").click()
    await expect(page.get_by_role("treeitem", name="solution.py")).to_be_visible(timeout=LONG)
    await page.get_by_role("treeitem", name="solution.py").click()
    await expect(page.get_by_label("Editor")).to_contain_text("NotImplementedError")
    await screenshot(page, "authoring-preview")
    await page.set_viewport_size({"width": 390, "height": 844})
    files = await page.get_by_role("navigation", name="Workspace files").bounding_box()
    tabs = await page.get_by_role("tablist", name="Open files").bounding_box()
    assert files is not None
    assert tabs is not None
    assert tabs["y"] >= files["y"] + files["height"] - 1  # at a phone's width the file list sits above the editor
    await screenshot(page, "authoring-preview-390")
    await page.set_viewport_size({"width": 1366, "height": 800})

    await page.get_by_role("button", name="Publish").click()
    await expect(status).to_contain_text("published", ignore_case=True, timeout=LONG)
    await page.get_by_role("link", name="Catalogue").click()
    await expect(page.get_by_role("link", name="Arithmetic drills")).to_be_visible()


async def test_an_admin_sees_the_jobs_and_the_environments(page: Page, platform: Platform) -> None:
    await sign_in(page, platform, "root@example.org", "admin")
    await page.get_by_role("link", name="Admin").click()
    await expect(page.get_by_role("heading", name="Jobs", exact=True).first).to_be_visible()
    await expect(page.get_by_role("heading", name="Summary")).to_be_visible()
    await expect(page.get_by_role("main")).to_contain_text("practica.sandbox.cull", timeout=LONG)  # periodic, at start
    await screenshot(page, "admin-jobs")
    await page.goto(f"{platform.url}/admin/environments")
    await expect(page.get_by_role("heading", name="Environments")).to_be_visible()
    await screenshot(page, "admin-environments")
    await page.get_by_role("link", name="Users").click()
    await expect(page.get_by_role("main")).to_contain_text("root@example.org")
    await page.get_by_role("navigation", name="Admin").get_by_role("link", name="Organizations").click()
    await expect(page.get_by_role("heading", name="Organizations")).to_be_visible()
    await screenshot(page, "admin-organizations")
