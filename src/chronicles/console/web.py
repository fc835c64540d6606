"""Serving the console's built files at ``/console/`` with a policy of their own.

The API's policy (``default-src 'none'``) would block the page's own script
and styles, so ``index.html`` carries :data:`CONSOLE_CSP`: scripts, styles
and calls from this origin only, nothing inline, no framing, no forms. The
framing, sniffing and referrer headers come from the app's middleware like
every other answer. Client-side routes (``/console/dead-letters``) fall back
to ``index.html``; a missing asset is a 404, never the page.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

PREFIX = "/console"
STATIC_DIR = Path(__file__).resolve().parent / "static"
CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
NOT_BUILT = """<!doctype html><html lang="en"><title>Chronicles console</title>
<p>The console is not built. Run <code>npm --prefix frontend run build</code>.</p></html>"""


def mount(app: FastAPI, static_dir: Path = STATIC_DIR) -> None:
    """Add ``/console/`` (the page), ``/console/assets/*`` (its files) and the fallback for its routes."""
    index = static_dir / "index.html"
    assets = static_dir / "assets"
    if assets.is_dir():
        app.mount(f"{PREFIX}/assets", StaticFiles(directory=assets), name="console-assets")

    @app.get(PREFIX, include_in_schema=False)
    async def console_root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=308)

    @app.get(PREFIX + "/{path:path}", include_in_schema=False, response_model=None)
    async def console_page(path: str) -> FileResponse | HTMLResponse:
        if path.startswith("assets/") or "." in path.rsplit("/", 1)[-1]:
            raise HTTPException(status_code=404)
        headers = {"Content-Security-Policy": CONSOLE_CSP, "Cache-Control": "no-cache"}
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503, headers=headers)
        return FileResponse(index, headers=headers)
