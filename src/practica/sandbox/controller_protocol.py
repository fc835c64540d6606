"""The sandbox controller's wire protocol: typed requests in length-prefixed JSON frames over a unix socket.

A frame is a 4-byte big-endian length and that many bytes of JSON (at most
:data:`MAX_FRAME`). Bytes travel as ``{"__bytes__": "<base64>"}``. A client
opens one connection per operation and sends one request (a model of
:data:`Request`, told apart by ``op``); the controller answers with frames
of ``type`` ``result`` (the operation's value), ``error`` (a runtime error,
re-raised by the client as the same class), ``output`` (an exec's chunks,
before its result) or ``changes`` (a watch's batches). A terminal or a port
connection comes back as a file descriptor passed with ``SCM_RIGHTS`` on the
``result`` frame. Anything else (bad JSON, an unknown ``op``, a field out of
range, a frame too large) is answered with an ``error`` of kind
``RequestRefused`` naming the problem, and the connection is closed.
"""

from __future__ import annotations

import array
import asyncio
import base64
import json
import os
import socket
import struct
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from practica.sandbox import runtime as errors
from practica.sandbox.spec import EnvironmentSpec, ExecRequest

MAX_FRAME = 48 * 1024**2  # a file of the gateway's 16 MiB read limit, base64, with room to spare
HEADER = struct.Struct(">I")
MAX_FDS = 2

# Ids are only bounded here: the environment store refuses any that is not its own (as EnvironmentNotFoundError).
EnvId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00]*$")]
WorkspacePath = Annotated[str, Field(min_length=1, max_length=4096, pattern=r"^[^\x00]*$")]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Create(_Request):
    op: Literal["create"]
    spec: EnvironmentSpec
    env_id: EnvId | None = None


class EnvironmentOp(_Request):
    """An operation naming only an environment."""

    op: Literal["get", "stop", "resume", "remove", "usage", "watch"]
    env_id: EnvId


class ListEnvironments(_Request):
    op: Literal["list"]


class Exec(_Request):
    op: Literal["exec"]
    env_id: EnvId
    request: ExecRequest
    stream: bool = Field(False, description="Send the output as it comes (frames of type `output`).")


class ReadFile(_Request):
    op: Literal["read_file"]
    env_id: EnvId
    path: WorkspacePath


class WriteFile(_Request):
    op: Literal["write_file"]
    env_id: EnvId
    path: WorkspacePath
    data: bytes = Field(max_length=MAX_FRAME // 2)
    mode: int = Field(0o644, ge=0, le=0o7777)
    if_match: str | None = Field(None, max_length=128)
    create_only: bool = False


class ListFiles(_Request):
    op: Literal["list_files"]
    env_id: EnvId
    path: WorkspacePath = "."


class DeleteFile(_Request):
    op: Literal["delete_file"]
    env_id: EnvId
    path: WorkspacePath


class RenameFile(_Request):
    op: Literal["rename_file"]
    env_id: EnvId
    source: WorkspacePath
    target: WorkspacePath


class OpenTerminal(_Request):
    op: Literal["open_terminal"]
    env_id: EnvId
    cols: int = Field(80, ge=1, le=1000)
    rows: int = Field(24, ge=1, le=1000)


class ConnectPort(_Request):
    op: Literal["connect_port"]
    env_id: EnvId
    port: int = Field(ge=1, le=65535)


Request = Annotated[
    Create
    | EnvironmentOp
    | ListEnvironments
    | Exec
    | ReadFile
    | WriteFile
    | ListFiles
    | DeleteFile
    | RenameFile
    | OpenTerminal
    | ConnectPort,
    Field(discriminator="op"),
]
REQUEST = TypeAdapter[Request](Request)
RequestModel = TypeVar("RequestModel", bound=_Request)

# Errors the controller sends by name and the client raises again (the runtime's own, and ValueError).
ERRORS: dict[str, type[Exception]] = {
    cls.__name__: cls
    for cls in (
        errors.SandboxError,
        errors.EnvironmentNotFoundError,
        errors.EnvironmentNotRunningError,
        errors.PathRefusedError,
        errors.RuntimeUnavailableError,
        errors.ImageMissingError,
        errors.PortUnreachableError,
        ValueError,
    )
}


class RequestRefusedError(errors.SandboxError):
    """The controller refused a request (malformed, unknown, out of range, or from a peer not allowed)."""


class ControllerUnavailableError(errors.RuntimeUnavailableError):
    """The controller's socket cannot be reached."""


def refusal(error: ValidationError) -> RequestRefusedError:
    """A validation error as one line naming the fields (``loc``) and what is wrong with them."""
    problems = "; ".join(_problem(problem) for problem in error.errors()[:5])
    return RequestRefusedError(f"request refused: {problems}")


def _problem(problem: Any) -> str:
    if problem["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return f"op: unknown request type {problem.get('ctx', {}).get('tag', '')!r}"
    return f"{'.'.join(map(str, problem['loc'])) or 'request'}: {problem['msg']}"


def make(model: type[RequestModel], **fields: Any) -> RequestModel:
    """A request, or :class:`RequestRefusedError` naming what is wrong (as the controller would answer)."""
    try:
        return model(**fields)
    except ValidationError as error:
        raise refusal(error) from None


def error_frame(error: BaseException) -> dict[str, Any]:
    """What the client needs to raise ``error`` again (a conflict's version too)."""
    if isinstance(error, errors.VersionConflictError):
        return {"type": "error", "kind": "VersionConflictError", "message": str(error), "current": error.current}
    if isinstance(error, OSError) and not isinstance(error, errors.SandboxError):
        return {"type": "error", "kind": "OSError", "errno": error.errno, "message": error.strerror or str(error)}
    kind = type(error).__name__ if type(error).__name__ in ERRORS else "SandboxError"
    if isinstance(error, RequestRefusedError):
        kind = "RequestRefused"
    return {"type": "error", "kind": kind, "message": str(error)}


def raise_error(frame: dict[str, Any], path: str = "") -> None:
    kind, message = str(frame.get("kind")), str(frame.get("message", ""))
    if kind == "VersionConflictError":
        current = frame.get("current")
        raise errors.VersionConflictError(path, current if isinstance(current, str) else None)
    if kind == "RequestRefused":
        raise RequestRefusedError(message)
    if kind == "OSError" and isinstance(frame.get("errno"), int):
        raise OSError(frame["errno"], message, path or None)  # FileNotFoundError for ENOENT, and so on
    raise ERRORS.get(kind, errors.SandboxError)(message)


def _default(value: object) -> object:
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode()}
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} does not go in a frame")


def _decode_bytes(value: dict[str, Any]) -> object:
    if value.keys() == {"__bytes__"} and isinstance(value["__bytes__"], str):
        return base64.b64decode(value["__bytes__"], validate=True)
    return value


def encode(message: BaseModel | dict[str, Any]) -> bytes:
    python = message.model_dump(mode="python") if isinstance(message, BaseModel) else message
    body = json.dumps(python, default=_default, separators=(",", ":")).encode()
    if len(body) > MAX_FRAME:
        raise RequestRefusedError(f"a frame of {len(body)} bytes is over the limit of {MAX_FRAME}")
    return HEADER.pack(len(body)) + body


def decode(body: bytes) -> Any:
    try:
        return json.loads(body, object_hook=_decode_bytes)
    except (ValueError, UnicodeDecodeError) as error:
        raise RequestRefusedError(f"the frame is not JSON: {error}") from error


class Channel:
    """Frames over a non-blocking unix stream socket, with file descriptors passed beside them."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self.sock = sock
        self.buffer = bytearray()
        self.fds: list[int] = []
        self.closed = False

    async def _wait(self, writable: bool) -> None:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        fd = self.sock.fileno()
        add, remove = (loop.add_writer, loop.remove_writer) if writable else (loop.add_reader, loop.remove_reader)

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        add(fd, wake)
        try:
            await ready
        finally:
            remove(fd)

    async def _fill(self) -> bool:
        """Read what has come (and any descriptors with it); False at the end of the stream."""
        while True:
            try:
                data, fds, _flags, _address = socket.recv_fds(self.sock, 65536, MAX_FDS)
            except BlockingIOError:
                await self._wait(writable=False)
                continue
            for fd in fds:
                os.set_inheritable(fd, False)
            self.fds.extend(fds)
            self.buffer += data
            return bool(data)

    async def _take(self, size: int) -> bytes | None:
        while len(self.buffer) < size:
            if not await self._fill():
                return None
        taken = bytes(self.buffer[:size])
        del self.buffer[:size]
        return taken

    async def receive(self) -> Any:
        """The next frame's JSON value; None at the end of the stream (also mid-frame)."""
        header = await self._take(HEADER.size)
        if header is None:
            return None
        (length,) = HEADER.unpack(header)
        if length > MAX_FRAME:
            raise RequestRefusedError(f"a frame of {length} bytes is over the limit of {MAX_FRAME}")
        body = await self._take(length)
        return None if body is None else decode(body)

    async def send(self, message: BaseModel | dict[str, Any], fds: tuple[int, ...] = ()) -> None:
        data = memoryview(encode(message))
        if fds:
            data = data[await self._send_with_fds(data, fds) :]
        await asyncio.get_running_loop().sock_sendall(self.sock, data)

    async def _send_with_fds(self, data: memoryview, fds: tuple[int, ...]) -> int:
        rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
        while True:
            try:
                return self.sock.sendmsg([data], rights)
            except BlockingIOError:
                await self._wait(writable=True)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.sock.close()
            for fd in self.fds:
                os.close(fd)
            self.fds.clear()
