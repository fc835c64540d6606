"""The home page in a real Chromium."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


async def test_the_status_page_shows_the_live_system_status(page: Page, live_server: str) -> None:
    await page.goto(f"{live_server}/status")
    status = page.get_by_role("region", name="System status")
    await expect(status).to_contain_text("Database")
    await expect(status).to_contain_text("external")
    await expect(status).to_contain_text("Queued jobs")
    assert (await screenshot(page, "home")).stat().st_size > 0


async def test_a_deep_link_loads_the_app(page: Page, live_server: str) -> None:
    response = await page.goto(f"{live_server}/courses/anything")
    assert response is not None
    assert response.status == 200
    await expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
