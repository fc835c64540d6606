"""Serve the built front end, with client-side routes falling back to ``index.html``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

NOT_BUILT = """<!doctype html><title>Practica</title>
<p>The front end is not built. Run <code>make run</code> (or <code>npm --prefix frontend run build</code>).</p>"""


def mount(app: FastAPI, static_dir: Path) -> None:
    index = static_dir / "index.html"
    if (static_dir / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=static_dir / "assets"), name="assets")

    @app.get("/{path:path}", include_in_schema=False, response_model=None)
    async def single_page_app(path: str) -> FileResponse | HTMLResponse:
        if path.startswith(("api/", "assets/")):
            raise HTTPException(status_code=404)
        if not index.is_file():
            return HTMLResponse(NOT_BUILT)
        return FileResponse(index)
