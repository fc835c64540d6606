"""A real Chromium (Debian's) driven by Playwright, against a real running server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.conftest import (
    free_port,
    open_database_to_services,
    remove_home,
    require_tool,
    running_service,
    started_service,
)

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
# Ceilings, not waits: every expect and action ends as soon as it holds; a machine running the whole suite on
# two cores (or a learner's slow laptop) takes longer than Playwright's default 5 s to render a page.
PATIENCE_MS = 30_000
expect.set_options(timeout=PATIENCE_MS)


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
    """A fresh page; the test fails if the page broke the Content-Security-Policy (Chromium reports each refusal)."""
    context = await browser.new_context(viewport={"width": 1366, "height": 800})
    context.set_default_timeout(PATIENCE_MS)
    page = await context.new_page()
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    yield page
    await context.close()
    assert not refused, f"the page broke its Content-Security-Policy: {refused}"


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
    log = tmp_path / "web.log"  # a start that fails or hangs shows its last lines
    with running_service([sys.executable, "-m", "practica", "web"], env, f"http://127.0.0.1:{port}", log=log) as base:
        yield base


@dataclass
class Platform:
    """Everything ``practica up`` starts (web, gateway, workers, Chronicles), on free ports, with test databases."""

    url: str
    env: dict[str, str]
    pid: int  # `practica up`'s own

    def practica(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "practica", *args]
        return subprocess.run(
            command, env={**os.environ, **self.env}, input=stdin, capture_output=True, text=True, check=False
        )


@pytest.fixture
def platform(practica_db_url: str, chronicles_db_url: str, admin_uri: str, tmp_path: Path) -> Iterator[Platform]:
    require_tool(STATIC_INDEX.is_file(), "the built front end (npm --prefix frontend run build)")
    require_tool(shutil.which("bwrap") is not None and os.geteuid() == 0, "bubblewrap, as root")
    home = Path(tempfile.mkdtemp(prefix="practica-browser-"))
    home.chmod(0o755)  # environments' uids traverse it
    web, chronicles, gateway = free_port(), free_port(), free_port()
    env = {
        "PRACTICA_HOME": str(home),
        "DATABASE_URL": practica_db_url,
        "CHRONICLES_DATABASE_URL": chronicles_db_url,
        "PRACTICA_PORT": str(web),
        "PRACTICA_PUBLIC_URL": f"http://127.0.0.1:{web}",
        "CHRONICLES_PORT": str(chronicles),
        "CHRONICLES_URL": f"http://127.0.0.1:{chronicles}",
        "PRACTICA_SANDBOX_GATEWAY_PORT": str(gateway),
        "PRACTICA_SANDBOX_GATEWAY_ORIGINS": f"http://127.0.0.1:{web}",
        "PRACTICA_SANDBOX_UID_BASE": str(8_000_000 + (os.getpid() % 1000) * 1000),
        "PRACTICA_SANDBOX_UID_COUNT": "1000",
        "PRACTICA_CHECK_COOLDOWN": "0",
        # Each test publishes the courses it needs (the first run's samples: tests/practica/test_first_run.py).
        "PRACTICA_SAMPLE_COURSES": "false",
    }
    log = tmp_path / "practica-up.log"
    open_database_to_services(admin_uri)
    argv = [sys.executable, "-m", "practica", "up"]
    with started_service(argv, env, f"http://127.0.0.1:{web}", log=log) as service:
        yield Platform(service.base, env, service.pid)
    remove_home(home)
