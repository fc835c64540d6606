"""A real Chromium (Debian's) driven by Playwright, against a real running server."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.conftest import free_port, require_tool, running_service

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STATIC_INDEX = Path(__file__).resolve().parents[2] / "src" / "practica" / "web" / "static" / "index.html"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Playwright's async API, so browser tests share pytest-asyncio's event loop."""
    executable = chromium_path()
    require_tool(executable is not None, "Chromium (Debian package chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        await browser.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1366, "height": 800})
    page = await context.new_page()
    yield page
    await context.close()


async def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def live_server(practica_db_url: str, tmp_path: Path) -> Iterator[str]:
    """``practica web`` as its own process, serving the built front end."""
    require_tool(STATIC_INDEX.is_file(), "the built front end (npm --prefix frontend run build)")
    port = free_port()
    env = {"DATABASE_URL": practica_db_url, "PRACTICA_HOME": str(tmp_path), "PRACTICA_PORT": str(port)}
    with running_service([sys.executable, "-m", "practica", "web"], env, f"http://127.0.0.1:{port}") as base:
        yield base
