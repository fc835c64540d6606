"""The environment gateway's security headers: inert for its own answers, framing rules for learners' servers.

The gateway's own answers (files, ping) get a CSP that allows nothing (``default-src 'none'; sandbox``): a
learner's file opened straight from the gateway renders inert. The published-ports proxy
(``/environments/{id}/ports/...``) answers for a learner's server: its pages keep their own scripts and
styles, and get only ``nosniff``, ``Referrer-Policy: no-referrer`` (the first request of a preview carries
its token in the URL: no page may pass it on) and ``frame-ancestors`` limited to the web app's origins.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from practica.sandbox.settings import SandboxSettings
from servicekit.path_headers import HeaderSet

COMMON: dict[str, str] = {"X-Content-Type-Options": "nosniff"}


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
