"""Security headers on every HTTP answer: no sniffing, no framing, a content security policy, no referrer.

Plain ASGI (one more ``send`` wrapper, no task or stream per request). The
policy is a parameter: an API answers JSON and needs none of a page's
sources (:data:`API_CSP`); a web app passes the policy of its pages. A header
the application already set on an answer is left as it is, so one route may
loosen or tighten its own.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Nothing an answer of a JSON/GraphQL API contains may load, run, frame it or be a form target.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def security_headers(content_security_policy: str, referrer_policy: str = "no-referrer") -> dict[str, str]:
    """The headers :class:`SecurityHeadersMiddleware` adds, by name."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": content_security_policy,
        "Referrer-Policy": referrer_policy,
    }
    frame_options = _frame_options(content_security_policy)
    if frame_options:
        headers["X-Frame-Options"] = frame_options
    return headers


def _frame_options(content_security_policy: str) -> str | None:
    """``X-Frame-Options`` for browsers that predate ``frame-ancestors``, saying the same as the policy.

    A policy without ``frame-ancestors`` is refused: who may frame the answers must be said.
    """
    directives = {part.strip().split(" ", 1)[0]: part.strip() for part in content_security_policy.split(";")}
    frame_ancestors = directives.get("frame-ancestors")
    if frame_ancestors is None:
        raise ValueError("the content security policy must say frame-ancestors (who may frame the answers)")
    sources = frame_ancestors.split()[1:]
    if sources == ["'none'"]:
        return "DENY"
    if sources == ["'self'"]:
        return "SAMEORIGIN"
    return None  # a list of origins: only frame-ancestors can say that


class SecurityHeadersMiddleware:
    """Adds :func:`security_headers` to every HTTP answer that does not carry them already."""

    def __init__(self, app: ASGIApp, content_security_policy: str, referrer_policy: str = "no-referrer") -> None:
        self.app = app
        self.headers = security_headers(content_security_policy, referrer_policy)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
