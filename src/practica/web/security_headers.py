"""Security headers on every answer of the web app and of the environment gateway.

The middleware is :class:`servicekit.path_headers.PathHeadersMiddleware`
(plain ASGI: adds the headers a response did not set itself, chosen by path);
the policy is a plain function from settings to ``{header: value}``:

- :func:`web_app_headers`: the single-page app and its API. The built
  ``index.html`` has no inline script or style, and the bundle evaluates no
  strings, so scripts come from ``'self'`` only. Styles also allow
  ``'unsafe-inline'``: CodeMirror and xterm.js write ``<style>`` elements at
  run time (their content varies, so no hash or nonce can name it); a style
  cannot run code. ``connect-src`` adds the gateway's origin (``https``/``wss``
  or ``http``/``ws``) for the IDE's file calls and terminal WebSocket. No
  page may frame the app (``frame-ancestors 'none'``, ``X-Frame-Options:
  DENY``).

The gateway's own headers are in :mod:`practica.sandbox.gateway.headers`.
"""

from __future__ import annotations

from practica.sandbox.gateway.headers import COMMON, gateway_sources
from practica.sandbox.settings import SandboxSettings
from practica.settings import PracticaSettings
from servicekit.path_headers import policy


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
        "Content-Security-Policy": policy(csp),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    }
    if settings.practica_public_url.startswith("https://"):
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers
