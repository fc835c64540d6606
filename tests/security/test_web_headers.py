"""Security headers of the web app and the gateway, and an attacker's page framing the app in a real Chromium.

Every browser test also fails on any Content-Security-Policy refusal (tests/browser/conftest.py), so the
learner journey proves that the IDE (CodeMirror, xterm.js, the gateway's WebSocket) works under the CSP.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Frame, async_playwright
from playwright.async_api import Error as PlaywrightError

from tests.browser.conftest import CHROMIUM_FLAGS, STATIC_INDEX, chromium_path
from tests.conftest import free_port, require_tool
from tests.security.web_fixtures import WEB, Process, gateway_process_fixture, web_process  # noqa: F401

GATEWAY = "https://gateway.example.org:8443"


def _policy(response: httpx.Response) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    return {name: value for name, value in directives}


def test_the_web_app_answers_with_a_csp_that_allows_only_itself_and_the_gateway(
    practica_db_url: str, tmp_path: Path
) -> None:
    with web_process(practica_db_url, tmp_path, PRACTICA_SANDBOX_GATEWAY_URL=GATEWAY) as web:
        answers = [httpx.get(f"{web.url}{path}", timeout=30) for path in ("/", "/api/courses", "/api/checks/x")]
    for response in answers:
        policy = _policy(response)
        assert policy["script-src"] == "'self'"  # no inline script, no eval
        assert policy["connect-src"] == f"'self' {GATEWAY} wss://gateway.example.org:8443"
        assert policy["frame-ancestors"] == "'none'"
        assert policy["object-src"] == policy["base-uri"] == "'none'"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
    assert [response.status_code for response in answers] == [200, 200, 401]


def test_the_gateway_answers_inert_and_a_learners_server_is_framed_only_by_the_web_app(
    gateway_process: Process,
) -> None:
    own = httpx.get(f"{gateway_process.url}/environments/x/files", params={"path": "page.html"}, timeout=30)
    learners = httpx.get(f"{gateway_process.url}/environments/x/ports/8080/", timeout=30)
    assert own.status_code == learners.status_code == 401
    assert own.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'; sandbox"
    assert learners.headers["content-security-policy"] == f"frame-ancestors {WEB}"
    for response in (own, learners):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"  # a preview's first URL carries its token


@pytest.fixture
def attacker_site(tmp_path: Path) -> Iterator[str]:
    """Another origin, serving a page that frames whatever its query names."""
    (tmp_path / "frame.html").write_text('<h1>Win a prize</h1><iframe id="victim" src="about:blank"></iframe>')

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *_: object) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/frame.html"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    executable = chromium_path()
    require_tool(executable is not None, "Chromium (Debian package chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        await browser.close()


async def rendered_in(frame: Frame) -> bool:
    """Whether the app's root is in ``frame``, asked again while Chromium swaps a refused frame for its error page."""
    for _ in range(50):
        await frame.wait_for_load_state()
        try:
            return bool(await frame.evaluate("() => !!document.getElementById('root')"))
        except PlaywrightError as error:
            if "context was destroyed" not in str(error):
                raise
    raise AssertionError(f"the framed page kept navigating ({frame.url})")


@pytest.mark.browser
async def test_another_site_cannot_frame_the_web_app(
    practica_db_url: str, tmp_path: Path, attacker_site: str, chromium: Browser
) -> None:
    require_tool(STATIC_INDEX.is_file(), "the built front end (npm --prefix frontend run build)")
    with web_process(practica_db_url, tmp_path) as web:
        page = await (await chromium.new_context()).new_page()
        refusals: list[str] = []
        page.on("console", lambda message: refusals.append(message.text))
        await page.goto(attacker_site)
        await page.eval_on_selector("#victim", "(frame, url) => { frame.src = url; }", f"{web.url}/signin")
        for _ in range(100):  # Chromium says when it refuses the frame (or the app renders in it)
            if any("frame-ancestors" in text for text in refusals):
                break
            await page.wait_for_timeout(100)
        (victim,) = [frame for frame in page.frames if frame != page.main_frame]
        app_rendered = await rendered_in(victim)
        await page.context.close()
    assert not app_rendered
    assert any("frame-ancestors 'none'" in text for text in refusals), refusals
