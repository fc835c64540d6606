"""Response headers chosen by path: one plain ASGI middleware, the header sets decided by each app.

Practica's web app adds the same set to every answer; its environment gateway gives its own answers one set
and a learner's published server another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HeaderSet = Mapping[str, str]


def policy(directives: Mapping[str, str]) -> str:
    """A ``Content-Security-Policy`` value from its directives."""
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class PathHeadersMiddleware:
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
