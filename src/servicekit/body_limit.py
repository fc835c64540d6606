"""Request bodies capped while they arrive: 413 before reading when ``Content-Length`` says too much, else as
soon as the bytes received pass the limit.

Reading a body whole and then measuring it lets one request hold the whole
body in memory and the process busy for as long as the client cares to send;
checking ``Content-Length`` alone misses chunked bodies. This middleware does
both, per path, before any route sees a byte.

The refusal travels as an :class:`~starlette.exceptions.HTTPException` raised
from ``receive``, which FastAPI's body parsing and Starlette's exception
handling pass on as a 413; should an application swallow it and answer
anyway, that answer is replaced by the 413.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLargeError(HTTPException):
    """The request body is over its path's limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over {limit} bytes; send less at once")
        self.limit = limit


class BodyLimitMiddleware:
    """Caps request bodies by path: ``limits`` maps exact paths to bytes; ``default`` covers other paths.

    ``default=None`` leaves other paths unlimited.
    """

    def __init__(self, app: ASGIApp, limits: Mapping[str, int], default: int | None = None) -> None:
        self.app, self.limits, self.default = app, dict(limits), default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limits.get(scope["path"], self.default) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        if _declared_length(scope) > limit:
            await _refuse(send, BodyTooLargeError(limit))
            return
        await _LimitedRequest(self.app, limit).run(scope, receive, send)


class _LimitedRequest:
    """One request under a limit: counts the bytes ``receive`` hands over and guards the answer."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit
        self.received = 0
        self.exceeded: BodyTooLargeError | None = None
        self.started = self.refused = False

    async def run(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, self._receive(receive), self._send(send))
        except BodyTooLargeError as error:
            if not self.started:
                await self._refuse(send, error)
            elif not self.refused:
                raise

    def _receive(self, receive: Receive) -> Receive:
        async def limited_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
                if self.received > self.limit:
                    self.exceeded = BodyTooLargeError(self.limit)
            if self.exceeded is not None:
                raise self.exceeded
            return message

        return limited_receive

    def _send(self, send: Send) -> Send:
        async def guarded_send(message: Message) -> None:
            if self.exceeded is not None and not self.started:
                await self._refuse(send, self.exceeded)  # instead of whatever the application made of it
                return
            if self.refused:
                return
            if message["type"] == "http.response.start":
                self.started = True
            await send(message)

        return guarded_send

    async def _refuse(self, send: Send, error: BodyTooLargeError) -> None:
        self.started = self.refused = True
        await _refuse(send, error)


def _declared_length(scope: Scope) -> int:
    """The ``Content-Length`` the client announced, or 0 (chunked, absent or not a number: counted as it comes)."""
    value = Headers(scope=scope).get("content-length", "")
    return int(value) if value.isdigit() else 0


async def _refuse(send: Send, error: BodyTooLargeError) -> None:
    body = json.dumps({"detail": error.detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    # Close: the rest of the body is not read, so the connection cannot carry another request.
    headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
