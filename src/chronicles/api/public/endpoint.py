"""``POST /graphql`` answered in plain ASGI, in front of FastAPI: the search path without routing or dependencies.

Through FastAPI a search paid, on top of GraphQL itself, for the routing,
the dependency tree of Strawberry's router (the context getter and its
sub-dependencies: about a millisecond of CPU with the rest of the view) and
Strawberry's HTTP view. :class:`PublicGraphQL` sits innermost among the
app's middleware (request ids, metrics, security headers, the body limit and
the input guard all still see the request) and answers an ordinary request
itself:

- the viewer token is checked first, before the body is read, exactly as the
  route's dependency checks it (:func:`~chronicles.api.public.context.viewer_of`;
  a token already verified is looked up until it expires,
  :class:`~chronicles.api.public.context.VerifiedTokens`); a refusal is the
  same 401 ``{"detail": …}`` with ``WWW-Authenticate``;
- the body is read through the limited ``receive`` (413 past the limit, as before);
- an ``application/json`` body holding one operation (``query`` a non-empty
  string, ``variables``/``extensions`` objects or null, ``operationName`` a
  string or null) goes to the schema with the same arguments Strawberry's
  view passes (:meth:`~chronicles.api.public.schema.PublicSchema.execute_checked`:
  a document known to pass every check runs straight on graphql-core), and its
  result is encoded as the view encodes it.

Anything else (another content type, a streaming ``Accept``, a batch, JSON
that does not decode, a field of the wrong type) is handed, body and all, to
the FastAPI route, whose answers (400s in plain text) stay the reference.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.http import process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult

from chronicles.api.documents import BoundedGraphQLRouter
from chronicles.api.errors import answer
from chronicles.api.public.context import PublicContext, VerifiedTokens, viewer_of
from chronicles.api.public.schema import PublicSchema
from chronicles.api.services import Services
from chronicles.errors import UnauthenticatedError

_WANTED = {b"authorization": "authorization", b"content-type": "content-type", b"accept": "accept"}
_JSON = (b"content-type", b"application/json")
# Accept values that ask for no streaming transport (the common ones, checked without parsing them).
_NOT_STREAMING = frozenset({"*/*", "application/json", "application/graphql-response+json"})


class PublicGraphQL:
    """Plain-ASGI middleware answering ``POST path`` with ``router``'s schema; every other request goes on."""

    def __init__(self, app: ASGIApp, *, router: BoundedGraphQLRouter, services: Services, path: str) -> None:
        self.app, self.router, self.services, self.path = app, router, services, path
        assert isinstance(router.schema, PublicSchema)
        self.schema = router.schema
        # The route's own object: the request metrics label the request with its path, as when FastAPI routed it.
        self.route = next(
            route for route in router.routes if isinstance(route, APIRoute) and "POST" in (route.methods or ())
        )
        self.answered = 0  # requests answered here, not by the route (the tests read it)
        self.tokens = VerifiedTokens()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        scope["route"] = self.route
        headers = _headers(scope)
        try:
            viewer = viewer_of(self.services, headers.get("authorization"), self.tokens)
        except UnauthenticatedError as error:
            self.answered += 1
            await _refuse(send, error)
            return
        body = await _body(receive)
        if body is None:
            return  # the client went away
        operation = self._operation(headers, body)
        if operation is None:
            await self.app(scope, _replay(body, receive), send)
            return
        self.answered += 1
        await self._execute(send, operation, PublicContext(self.services, viewer))

    def _operation(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any] | None:
        """The request's one operation when it is an ordinary one; None sends it the long way."""
        if headers.get("content-type", "").split(";", 1)[0].strip().lower() != "application/json":
            return None
        accept = headers.get("accept", "*/*")
        streams = accept.strip().lower() not in _NOT_STREAMING
        if streams and self.router._get_stream_transport_from_headers({"accept": accept}) is not None:
            return None
        try:
            data = self.router.decode_json(body)
        except json.JSONDecodeError:
            return None
        return data if isinstance(data, dict) and _ordinary(data) else None

    async def _execute(self, send: Send, operation: dict[str, Any], context: PublicContext) -> None:
        try:
            result = await self.schema.execute_checked(
                operation["query"],
                variable_values=operation.get("variables"),
                context_value=context,
                operation_name=operation.get("operationName"),
                operation_extensions=operation.get("extensions"),
            )
        except CannotGetOperationTypeError as error:
            await _plain_text(send, 400, error.as_http_error_reason())
            return
        except InvalidOperationTypeError as error:
            await _plain_text(send, 400, error.as_http_error_reason("POST"))
            return
        assert isinstance(result, ExecutionResult)  # no incremental delivery, no subscriptions on this schema
        body = self.router.encode_json(process_result(result))
        await _answer(send, 200, body.encode() if isinstance(body, str) else body, [_JSON])


def _ordinary(data: dict[str, Any]) -> bool:
    query, name = data.get("query"), data.get("operationName")
    objects = all(isinstance(data.get(key), dict | None) for key in ("variables", "extensions"))
    return isinstance(query, str) and bool(query) and isinstance(name, str | None) and objects


def _headers(scope: Scope) -> dict[str, str]:
    """The headers this endpoint reads, the first of each name (as Starlette's ``Headers.get`` picks)."""
    found: dict[str, str] = {}
    for name, value in scope["headers"]:
        wanted = _WANTED.get(name.lower())
        if wanted is not None and wanted not in found:
            found[wanted] = value.decode("latin-1")
    return found


async def _body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` handing over the body already read, then whatever the client sends next (a disconnect)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


async def _refuse(send: Send, error: UnauthenticatedError) -> None:
    """The answer :func:`chronicles.api.errors.install` gives a route's ChroniclesError."""
    found = answer(error)
    headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in found.headers.items()]
    body = json.dumps({"detail": str(error)}, ensure_ascii=False, separators=(",", ":")).encode()
    await _answer(send, found.status, body, [*headers, _JSON])


async def _plain_text(send: Send, status: int, text: str) -> None:
    await _answer(send, status, text.encode(), [(b"content-type", b"text/plain; charset=utf-8")])


async def _answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    length = (b"content-length", str(len(body)).encode())
    await send({"type": "http.response.start", "status": status, "headers": [*headers[:-1], length, headers[-1]]})
    await send({"type": "http.response.body", "body": body})
