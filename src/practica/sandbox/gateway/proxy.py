"""Forwarding one HTTP request to a learner's server inside an environment (HTTP/1.1, parsed with h11).

One connection per request (``Connection: close``), the request body read
whole (capped), the response streamed back. Hop-by-hop headers are dropped
both ways, the gateway's own credentials are never forwarded, and a
redirect to an absolute path is kept under the port's prefix.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import h11
from fastapi import HTTPException, Request
from starlette.responses import StreamingResponse

MAX_BODY = 16 * 1024**2
HEAD_TIMEOUT = 30.0  # until the response's status line and headers
READ_TIMEOUT = 60.0  # between two pieces of the body
HOP_BY_HOP = {
    b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te", b"trailer",
    b"transfer-encoding", b"upgrade", b"host", b"content-length",
}  # fmt: skip


class Upstream:
    """One HTTP/1.1 exchange over an open connection into the environment."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.CLIENT)

    async def send(self, method: str, target: str, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.writer.write(self.h11.send(h11.Request(method=method, target=target, headers=headers)) or b"")
        if body:
            self.writer.write(self.h11.send(h11.Data(data=body)) or b"")
        self.writer.write(self.h11.send(h11.EndOfMessage()) or b"")
        await self.writer.drain()

    async def next_event(self, seconds: float) -> object:
        while True:
            event = self.h11.next_event()
            if event is not h11.NEED_DATA:
                return event
            data = await asyncio.wait_for(self.reader.read(65536), seconds)
            self.h11.receive_data(data)

    async def response(self) -> h11.Response:
        while True:
            event = await self.next_event(HEAD_TIMEOUT)
            if isinstance(event, h11.Response):
                return event
            if not isinstance(event, h11.InformationalResponse):
                raise h11.RemoteProtocolError("no response")

    async def body(self) -> AsyncIterator[bytes]:
        try:
            while True:
                event = await self.next_event(READ_TIMEOUT)
                if isinstance(event, h11.Data):
                    yield bytes(event.data)
                else:
                    return
        except (OSError, TimeoutError, h11.RemoteProtocolError):
            return  # the learner's server went away mid-body: the response just ends
        finally:
            self.writer.close()


def request_headers(request: Request, port: int, cookie: str, strip_authorization: bool) -> list[tuple[bytes, bytes]]:
    """The request's headers for the learner's server, without the gateway's credentials."""
    kept = [(b"host", f"127.0.0.1:{port}".encode())]
    for name, value in request.headers.raw:
        lowered = name.lower()
        if lowered in HOP_BY_HOP or (lowered == b"authorization" and strip_authorization):
            continue
        if lowered == b"cookie":
            value = _without_cookie(value, cookie.encode())
            if not value:
                continue
        kept.append((name, value))
    return [*kept, (b"connection", b"close")]


def _without_cookie(header: bytes, name: bytes) -> bytes:
    pairs = [pair.strip() for pair in header.split(b";")]
    return b"; ".join(pair for pair in pairs if pair and pair.split(b"=", 1)[0] != name)


def response_headers(response: h11.Response, prefix: str) -> list[tuple[bytes, bytes]]:
    headers = []
    for name, value in response.headers:
        if name in HOP_BY_HOP and name != b"content-length":
            continue
        if name == b"location" and value.startswith(b"/") and not value.startswith(b"//"):
            value = prefix.encode() + value
        headers.append((name, value))
    return headers


async def read_body(request: Request) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise HTTPException(413, f"request bodies through the gateway are limited to {MAX_BODY} bytes")
    return bytes(body)


async def forward(
    request: Request, upstream: Upstream, target: str, port: int, prefix: str, cookie: str, strip_authorization: bool
) -> StreamingResponse:
    body = await read_body(request)
    headers = request_headers(request, port, cookie, strip_authorization)
    if body:
        headers.append((b"content-length", str(len(body)).encode()))
    try:
        await upstream.send(request.method, target, headers, body)
        head = await upstream.response()
    except (OSError, TimeoutError, h11.RemoteProtocolError) as error:
        upstream.writer.close()
        raise HTTPException(502, f"the server on port {port} did not answer properly: {error!r}") from None
    response = StreamingResponse(upstream.body(), status_code=head.status_code)
    response.raw_headers = response_headers(head, prefix)
    return response
