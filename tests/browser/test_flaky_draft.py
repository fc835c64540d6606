"""An author sees a draft's flaky tests with their rates and publishes it only by ticking the override."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import create_async_engine

from practica.authoring.models import CourseDraft
from practica.authoring.report import ValidationReport, flaky_test
from practica.checks.stress import Flaky
from tests.browser.conftest import Platform, screenshot
from tests.browser.test_authoring_and_admin import LONG, course_repository, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.sandbox]

FLAKY = Flaky(
    "add", "solution", "tests/test_add.py::test_add_is_quick[after SIGINT]", 2, 3,
    "Failed: still running 0.5 s after SIGINT",
)  # fmt: skip


async def _as_if_the_stress_pass_found(platform: Platform, flaky: Flaky) -> None:
    """Give the (only) draft the report its job writes when the stress pass finds ``flaky``."""
    engine = create_async_engine(platform.env["DATABASE_URL"])
    try:
        async with engine.begin() as connection:
            draft_id, stored = (await connection.execute(select(CourseDraft.id, CourseDraft.report))).one()
            report = ValidationReport.model_validate(stored)
            report.lessons[0].flaky.append(flaky_test(flaky))
            report.flaky_tests = 1
            values = {"report": report.model_dump(mode="json")}
            await connection.execute(update(CourseDraft).where(CourseDraft.id == draft_id).values(**values))
    finally:
        await engine.dispose()


async def test_an_author_sees_flaky_tests_and_publishes_only_with_the_override(page: Page, platform: Platform) -> None:
    repository = course_repository(platform, "arithmetic")
    await page.set_viewport_size({"width": 1400, "height": 900})
    await sign_in(page, platform, "author@example.org", "author")
    await page.get_by_role("link", name="Authoring").click()
    await page.get_by_label("Git URL").fill(repository)
    await page.get_by_role("button", name="Import from Git").click()
    status = page.get_by_label("Draft status")
    await expect(status).to_have_text("Valid", timeout=LONG)  # validated, stress pass (3 runs) included
    await expect(page.get_by_role("main")).to_contain_text("Under load (3 more runs of each reference solution")
    await expect(page.get_by_role("row", name="Add two numbers")).to_contain_text("steady")

    await _as_if_the_stress_pass_found(platform, FLAKY)
    await page.reload()
    warning = page.get_by_role("region", name="Flaky tests")
    await expect(warning).to_contain_text("1 flaky test")
    await expect(warning).to_contain_text("test_add_is_quick[after SIGINT] — failed 2 of 3 runs under load")
    publish = page.get_by_role("button", name="Publish", exact=True)
    await expect(publish).to_be_disabled()
    await screenshot(page, "authoring-flaky-1400")
    await page.set_viewport_size({"width": 390, "height": 844})
    await expect(warning).to_be_visible()
    await screenshot(page, "authoring-flaky-390")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390  # the report table scrolls, not the page

    await page.set_viewport_size({"width": 1400, "height": 900})
    await page.get_by_role("checkbox", name="Publish anyway: I have seen the flaky test").check()
    await publish.click()
    await expect(status).to_contain_text("published", ignore_case=True, timeout=LONG)
