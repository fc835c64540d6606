"""CSRF protection: a double-submit cookie checked on every state-changing request under ``/api``.

The front end reads the ``practica_csrf`` cookie (not HttpOnly, SameSite=Strict)
and sends it back in the ``X-CSRF-Token`` header. Another site can make a
browser send the cookie but cannot read it, so it cannot set the header.
``GET /api/auth/csrf`` hands out the cookie; sign-in renews it.

``/api/mail/events`` is exempt: mail providers post there with no browser and
no cookie, and the route itself acts on nothing but a shared secret.
"""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request, Response
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from practica.accounts.tokens import new_token

CSRF_COOKIE = "practica_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SECRET_AUTHENTICATED = frozenset({"/api/mail/events"})  # no cookie is read there: nothing to forge
REFUSED = "CSRF token missing or wrong"


def tokens_match(cookie: str | None, header: str | None) -> bool:
    """Both present and equal, compared in constant time."""
    if not cookie or not header:
        return False
    return hmac.compare_digest(cookie.encode(), header.encode())


def needs_check(method: str, path: str) -> bool:
    return (
        method not in SAFE_METHODS
        and (path == "/api" or path.startswith("/api/"))
        and path.rstrip("/") not in SECRET_AUTHENTICATED
    )


class CSRFMiddleware:
    """Refuse POST/PUT/PATCH/DELETE under ``/api`` without a matching token (403), before any route runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and needs_check(scope["method"], scope["path"]):
            headers = Headers(scope=scope)
            cookie = cookie_parser(headers.get("cookie", "")).get(CSRF_COOKIE)
            if not tokens_match(cookie, headers.get(CSRF_HEADER)):
                await JSONResponse({"detail": REFUSED}, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def csrf_protect(request: Request) -> None:
    """The same check as a dependency, for routes mounted outside ``/api``."""
    if request.method not in SAFE_METHODS and not tokens_match(
        request.cookies.get(CSRF_COOKIE), request.headers.get(CSRF_HEADER)
    ):
        raise HTTPException(status_code=403, detail=REFUSED)


def set_csrf_cookie(response: Response, *, secure: bool, token: str | None = None) -> str:
    token = token or new_token()
    response.set_cookie(CSRF_COOKIE, token, path="/", secure=secure, httponly=False, samesite="strict")
    return token
