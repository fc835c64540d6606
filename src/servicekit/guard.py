"""``InputGuard``: NUL bytes and out-of-range integers are refused (422, naming the parameter) before any route runs.

The typed parameters of :mod:`servicekit.params` do this for the routes that
declare them. The guard does it for every route of an app, whoever wrote it,
so that no request can carry these inputs down to the database driver (where
they were a 500 and a traceback):

- a NUL byte in the path, in any query parameter (its name or a value) or in
  any string of a JSON body (``\\u0000``);
- a number beyond PostgreSQL's ``bigint`` in a path or query parameter the
  route declares as an ``int``.

It costs nothing on ordinary requests: the path and query are searched for
``%00`` and for runs of 19+ digits, and only a request holding one is
matched against the routes to name the parameter. A JSON body is searched
as it is read, and parsed again only when it holds ``\\u0000``. Refusals have
FastAPI's validation shape: ``{"detail": [{"type", "loc", "msg"}]}``.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from servicekit.params import DB_INT_MAX, DB_INT_MIN, NUL_MESSAGE

_LONG_NUMBER = re.compile(r"\d{19,}")
_LONG_NUMBER_BYTES = re.compile(rb"\d{19,}")
_PATH_PARAM = re.compile(r"\{([^}/]+)\}")
_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")
_NUL_ESCAPE = b"\\u0000"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_BODY_KEPT = 4 * 1024**2  # a JSON body past this that holds \u0000 is refused without naming the field
Location = tuple[str | int, ...]


class InputRefusedError(HTTPException):
    """422 in FastAPI's validation shape; raised while a route reads its body (FastAPI passes it on as it is)."""

    def __init__(self, location: Location, message: str) -> None:
        super().__init__(422, [{"type": "value_error", "loc": list(location), "msg": message}])
        self.message = message


def _never(_path: str) -> bool:
    return False


def _always(_path: str) -> bool:
    return True


class InputGuard:
    """Plain ASGI. ``exempt(path)``: requests left alone (a proxy's); ``json_bodies(path)``: bodies searched."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        exempt: Callable[[str], bool] = _never,
        json_bodies: Callable[[str], bool] = _always,
    ) -> None:
        self.app = app
        self.exempt = exempt
        self.json_bodies = json_bodies
        self._operations: list[_Operation] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        if _suspicious(scope) and (problem := self.url_problem(scope)) is not None:
            await _refuse(scope, receive, send, problem)
            return
        if (
            scope["type"] == "http"
            and scope["method"] in _BODY_METHODS
            and _is_json(scope)
            and self.json_bodies(scope["path"])
        ):
            receive = _NulSearch(receive).receive
        await self.app(scope, receive, send)

    def url_problem(self, scope: Scope) -> InputRefusedError | None:
        """The first NUL byte or out-of-range integer of the request's path and query, named; None when clean."""
        query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        for name, value in query:
            if "\x00" in name or "\x00" in value:
                return InputRefusedError(("query", name.replace("\x00", "\\x00")), NUL_MESSAGE)
        route = self._route_of(scope)
        path_params = route.path_params(scope["path"]) if route else {}
        for name, value in path_params.items():
            if "\x00" in value:
                return InputRefusedError(("path", name), NUL_MESSAGE)
        if "\x00" in scope["path"]:
            return InputRefusedError(("path",), NUL_MESSAGE)
        if route is None:
            return None
        values = [("path", name, value) for name, value in path_params.items()]
        values += [("query", name, value) for name, value in query]
        for where, name, value in values:
            if (where, name) in route.integers and (message := _out_of_range(value)):
                return InputRefusedError((where, name), message)
        return None

    def _route_of(self, scope: Scope) -> _Operation | None:
        if self._operations is None:
            self._operations = _operations_of(scope.get("app"))
        method = scope.get("method", "GET")
        matching = [operation for operation in self._operations if operation.regex.match(scope["path"])]
        return next((operation for operation in matching if method in operation.methods), None) or next(
            iter(matching), None
        )


@dataclass(frozen=True)
class _Operation:
    """A path of the app's OpenAPI schema: its pattern, methods and which parameters are integers."""

    regex: re.Pattern[str]
    names: tuple[str, ...]
    methods: frozenset[str]
    integers: frozenset[tuple[str, str]]

    def path_params(self, path: str) -> dict[str, str]:
        found = self.regex.match(path)
        return dict(zip(self.names, found.groups(), strict=True)) if found else {}


def _operations_of(app: Any) -> list[_Operation]:
    """Every path of the app's OpenAPI schema (FastAPI's own, generated once): no private routing internals."""
    try:
        with warnings.catch_warnings():  # the schema's own complaints (duplicate operation ids) are not ours
            warnings.simplefilter("ignore")
            schema: dict[str, Any] = app.openapi()
    except Exception:  # an app without a schema still gets the NUL checks
        return []
    operations = []
    for template, methods in schema.get("paths", {}).items():
        names = tuple(_PATH_PARAM.findall(template))
        regex = re.compile("^" + "([^/]+)".join(re.escape(part) for part in _PATH_PARAM.split(template)[::2]) + "$")
        integers = {
            (parameter["in"], parameter["name"])
            for operation in methods.values()
            for parameter in operation.get("parameters", [])
            if parameter.get("in") in ("path", "query") and _is_integer(parameter.get("schema", {}))
        }
        operations.append(
            _Operation(regex, names, frozenset(method.upper() for method in methods), frozenset(integers))
        )
    return operations


def _is_integer(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "integer":
        return True
    if schema.get("type") == "array":
        return _is_integer(schema.get("items", {}))
    return any(_is_integer(option) for option in schema.get("anyOf", []))


def _suspicious(scope: Scope) -> bool:
    path: str = scope["path"]
    query: bytes = scope["query_string"]
    return (
        "\x00" in path
        or b"%00" in query
        or b"\x00" in query
        or _LONG_NUMBER.search(path) is not None
        or _LONG_NUMBER_BYTES.search(query) is not None
    )


def _is_json(scope: Scope) -> bool:
    kind = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def _out_of_range(value: str) -> str | None:
    if not _INTEGER.match(value):
        return None
    number = int(value)
    if number > DB_INT_MAX:
        return f"must be at most {DB_INT_MAX}"
    if number < DB_INT_MIN:
        return f"must be at least {DB_INT_MIN}"
    return None


class _NulSearch:
    """A ``receive`` that searches a JSON body for ``\\u0000`` as the app reads it, and names the field at the end."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._chunks: list[bytes] = []
        self._kept = 0
        self._tail = b""
        self._found = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] != "http.request":
            return message
        body: bytes = message.get("body", b"")
        window = self._tail + body
        self._found = self._found or _NUL_ESCAPE in window
        self._tail = window[-(len(_NUL_ESCAPE) - 1) :]
        self._kept += len(body)
        if self._kept <= MAX_BODY_KEPT:
            self._chunks.append(body)
        if self._found and not message.get("more_body", False):
            self._check()
        return message

    def _check(self) -> None:
        if self._kept > MAX_BODY_KEPT:
            raise InputRefusedError(("body",), NUL_MESSAGE)
        try:
            data = json.loads(b"".join(self._chunks))
        except ValueError:
            return  # not JSON: the route says so itself
        location = _nul_location(data)
        if location is not None:
            raise InputRefusedError(("body", *location), NUL_MESSAGE)


def _nul_location(data: Any) -> Location | None:
    """The path to the first string (value or key) holding a NUL byte, or None."""
    if isinstance(data, str):
        return () if "\x00" in data else None
    if isinstance(data, dict):
        for key, value in data.items():
            if "\x00" in key:
                return (key.replace("\x00", "\\x00"),)
            if (inner := _nul_location(value)) is not None:
                return (key, *inner)
    if isinstance(data, list):
        for index, value in enumerate(data):
            if (inner := _nul_location(value)) is not None:
                return (index, *inner)
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send, refused: InputRefusedError) -> None:
    response = JSONResponse({"detail": refused.detail}, status_code=refused.status_code)
    if scope["type"] == "http":
        await response(scope, receive, send)
        return
    websocket = WebSocket(scope, receive, send)
    if "websocket.http.response" in scope.get("extensions", {}):
        await websocket.send_denial_response(response)
    else:
        await websocket.close(code=1008, reason=refused.message[:120])


def install_input_guard(
    app: Any, *, exempt: Callable[[str], bool] = _never, json_bodies: Callable[[str], bool] = _always
) -> None:
    """Add :class:`InputGuard` to a FastAPI/Starlette ``app``."""
    app.add_middleware(InputGuard, exempt=exempt, json_bodies=json_bodies)
