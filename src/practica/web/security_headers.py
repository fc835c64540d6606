"""Security headers on every answer of the web app and of the environment gateway.

The interface is two pieces, so that a shared middleware can take this one's
place: :class:`SecurityHeadersMiddleware` (plain ASGI: adds the headers a
response did not set itself, chosen by path) and the policies, plain
functions from settings to ``{header: value}``:

- :func:`web_app_headers`: the single-page app and its API. The built
  ``index.html`` has no inline script or style, and the bundle evaluates no
  strings, so scripts come from ``'self'`` only. Styles also allow
  ``'unsafe-inline'``: CodeMirror and xterm.js write ``<style>`` elements at
  run time (their content varies, so no hash or nonce can name it); a style
  cannot run code. ``connect-src`` adds the gateway's origin (``https``/``wss``
  or ``http``/``ws``) for the IDE's file calls and terminal WebSocket. No
  page may frame the app (``frame-ancestors 'none'``, ``X-Frame-Options:
  DENY``).
- :func:`gateway_headers`: the gateway's own answers (files, ping) get a CSP
  that allows nothing (``default-src 'none'; sandbox``): a learner's file
  opened straight from the gateway renders inert. The published-ports proxy
  (``/environments/{id}/ports/...``) answers for a learner's server: its
  pages keep their own scripts and styles, and get only ``nosniff``,
  ``Referrer-Policy: no-referrer`` (the first request of a preview carries
  its token in the URL: no page may pass it on) and ``frame-ancestors``
  limited to the web app's origins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from practica.sandbox.settings import SandboxSettings
from practica.settings import PracticaSettings

HeaderSet = Mapping[str, str]
COMMON: dict[str, str] = {"X-Content-Type-Options": "nosniff"}


def web_app_headers(settings: PracticaSettings, sandbox: SandboxSettings) -> dict[str, str]:
    """The web app's headers: a CSP that allows exactly what the built front end uses."""
    csp = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",
        "font-src": "'self' data:",
        "connect-src": " ".join(["'self'", *gateway_sources(sandbox.gateway_url)]),
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-src": "'none'",
        "frame-ancestors": "'none'",
    }
    headers = {
        **COMMON,
        "Content-Security-Policy": _policy(csp),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    }
    if settings.practica_public_url.startswith("https://"):
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


def gateway_headers(sandbox: SandboxSettings, learners_server: Callable[[str], bool]) -> Callable[[str], HeaderSet]:
    """The gateway's headers by path: inert for its own answers; for the paths ``learners_server`` names
    (published ports), framing and referrer rules only."""
    own = {
        **COMMON,
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
        "Referrer-Policy": "no-referrer",
    }
    ancestors = " ".join(sandbox.allowed_origins) or "'none'"
    learners = {
        **COMMON,
        "Content-Security-Policy": f"frame-ancestors {ancestors}",
        "Referrer-Policy": "no-referrer",
    }

    def for_path(path: str) -> HeaderSet:
        return learners if learners_server(path) else own

    return for_path


def gateway_sources(gateway_url: str) -> list[str]:
    """The gateway's origin for HTTP and for WebSockets; nothing when it is served from the web app's origin."""
    parts = urlsplit(gateway_url)
    if not parts.netloc or parts.scheme not in ("http", "https"):
        return []
    socket = "wss" if parts.scheme == "https" else "ws"
    return [f"{parts.scheme}://{parts.netloc}", f"{socket}://{parts.netloc}"]


def _policy(directives: Mapping[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """Adds ``headers_for(path)`` to every HTTP answer, except a header the answer set itself.

    Plain ASGI, and cheap on the hot path: each header set is encoded once, and an answer's own header
    names are read once.
    """

    def __init__(self, app: ASGIApp, headers_for: Callable[[str], HeaderSet]) -> None:
        self.app = app
        self.headers_for = headers_for
        self._encoded: dict[int, list[tuple[bytes, bytes]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = self._encoded_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                message["headers"] = headers + [(name, value) for name, value in wanted if name not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _encoded_for(self, path: str) -> list[tuple[bytes, bytes]]:
        headers = self.headers_for(path)
        encoded = self._encoded.get(id(headers))
        if encoded is None:
            encoded = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
            self._encoded[id(headers)] = encoded
        return encoded


def constant(headers: HeaderSet) -> Callable[[str], HeaderSet]:
    """The same headers for every path."""

    def for_path(_path: str) -> HeaderSet:
        return headers

    return for_path
