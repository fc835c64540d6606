"""The shared middlewares on a small real application: security headers, and bodies capped before reading."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient

from servicekit.body_limit import BodyLimitMiddleware
from servicekit.security_headers import API_CSP, SecurityHeadersMiddleware, security_headers


def app_with(csp: str = API_CSP) -> FastAPI:
    app = FastAPI()
    app.add_middleware(BodyLimitMiddleware, limits={"/small": 10}, default=None)
    app.add_middleware(SecurityHeadersMiddleware, content_security_policy=csp)

    @app.post("/small")
    async def small(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    @app.post("/swallowing")
    async def swallowing(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    @app.get("/own-policy")
    async def own_policy() -> Response:
        return Response("x", headers={"Content-Security-Policy": "default-src 'self'; frame-ancestors 'self'"})

    return app


def test_every_answer_gets_the_headers_and_an_own_policy_is_kept() -> None:
    with TestClient(app_with()) as client:
        missing = client.get("/nowhere")
        own = client.get("/own-policy")
    assert missing.headers["Content-Security-Policy"] == API_CSP
    assert missing.headers["X-Frame-Options"] == "DENY"
    assert missing.headers["X-Content-Type-Options"] == "nosniff"
    assert missing.headers["Referrer-Policy"] == "no-referrer"
    assert own.headers["Content-Security-Policy"] == "default-src 'self'; frame-ancestors 'self'"


def test_x_frame_options_says_what_frame_ancestors_says() -> None:
    assert security_headers("default-src 'self'; frame-ancestors 'self'")["X-Frame-Options"] == "SAMEORIGIN"
    assert "X-Frame-Options" not in security_headers("frame-ancestors https://lms.example")
    with pytest.raises(ValueError, match="frame-ancestors"):
        security_headers("default-src 'self'")


def test_a_body_over_its_paths_limit_is_a_413_whatever_the_application_does() -> None:
    with TestClient(app_with()) as client:
        fits = client.post("/small", content=b"0123456789")
        declared = client.post("/small", content=b"01234567890")
        streamed = client.post("/small", content=iter([b"012345", b"67890"]))  # chunked: no Content-Length
        other_path = client.post("/swallowing", content=b"x" * 1000)
    assert fits.json() == {"bytes": 10}
    assert (declared.status_code, streamed.status_code) == (413, 413)
    assert "over 10 bytes" in streamed.json()["detail"]
    assert other_path.json() == {"bytes": 1000}  # no default limit: unlimited


def test_an_application_that_swallows_the_refusal_still_answers_413() -> None:
    app = FastAPI()
    app.add_middleware(BodyLimitMiddleware, limits={}, default=4)

    @app.post("/careless")
    async def careless(request: Request) -> Response:
        try:
            await request.body()
        except Exception:  # an application that eats every error and answers anyway
            return Response("fine")
        return Response("read")

    with TestClient(app) as client:
        assert client.post("/careless", content=iter([b"abc", b"def"])).status_code == 413
        assert client.post("/careless", content=b"abc").text == "read"
