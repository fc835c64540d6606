"""``ControllerRuntime``: the bwrap runtime as an unprivileged process sees it, through the sandbox controller.

Chosen when ``PRACTICA_SANDBOX_CONTROLLER`` names the controller's socket
(``practica up`` as root sets it for the gateway and the workers). Every
operation is one connection to :mod:`practica.sandbox.controller`; errors
come back as the runtime's own classes, so callers above the
:class:`~practica.sandbox.runtime.Runtime` protocol see no difference. A
terminal is the pty's master itself (passed over the socket), read and
written here; its connection stays open and hangs the shell up when closed.
A published port is the connected socket itself.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import socket
from collections.abc import AsyncGenerator, Awaitable, Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter

from practica.sandbox.controller_protocol import (
    Channel,
    ConnectPort,
    ControllerUnavailableError,
    Create,
    DeleteFile,
    EnvironmentOp,
    Exec,
    ListEnvironments,
    ListFiles,
    OpenTerminal,
    ReadFile,
    RenameFile,
    WriteFile,
    make,
    raise_error,
)
from practica.sandbox.runtime import OutputCallback, SandboxError, Terminal
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import (
    EnvironmentInfo,
    EnvironmentSpec,
    ExecRequest,
    ExecResult,
    FileChange,
    FileEntry,
    OutputChunk,
    Usage,
)
from practica.sandbox.terminal import PtyMaster

FrameHandler = Callable[[dict[str, Any]], Awaitable[None]]
_INFOS = TypeAdapter(list[EnvironmentInfo])
_ENTRIES = TypeAdapter(list[FileEntry])
_CHANGES = TypeAdapter(list[FileChange])


class ControllerTerminal(PtyMaster):
    """A shell's pty master received from the controller; closing it also ends the controller's connection."""

    def __init__(self, master: int, channel: Channel) -> None:
        super().__init__(master)
        self.channel = channel

    async def _after_hangup(self) -> None:
        self.channel.close()


class ControllerRuntime:
    """The :class:`~practica.sandbox.runtime.Runtime` protocol, each call a request to the sandbox controller."""

    name = "bwrap"

    def __init__(self, settings: SandboxSettings) -> None:
        if settings.controller is None:
            raise ControllerUnavailableError("PRACTICA_SANDBOX_CONTROLLER names no socket")
        self.settings = settings
        self.path: Path = settings.controller

    async def _connect(self) -> Channel:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        sock.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(sock, str(self.path))
        except OSError as error:
            sock.close()
            raise ControllerUnavailableError(
                f"the sandbox controller at {self.path} cannot be reached: {error.strerror or error}"
            ) from error
        return Channel(sock)

    async def _open(self, request: BaseModel) -> Channel:
        channel = await self._connect()
        try:
            await channel.send(request)
        except BaseException:
            channel.close()
            raise
        return channel

    async def _call(self, request: BaseModel, on_frame: FrameHandler | None = None, path: str = "") -> Any:
        channel = await self._open(request)
        try:
            return await _answer(channel, on_frame, path)
        finally:
            channel.close()

    # -- lifecycle ---------------------------------------------------------------------------

    async def create(self, spec: EnvironmentSpec, env_id: str | None = None) -> EnvironmentInfo:
        return EnvironmentInfo.model_validate(await self._call(make(Create, op="create", spec=spec, env_id=env_id)))

    async def _info(self, op: Literal["get", "stop", "resume"], env_id: str) -> EnvironmentInfo:
        return EnvironmentInfo.model_validate(await self._call(make(EnvironmentOp, op=op, env_id=env_id)))

    async def get(self, env_id: str) -> EnvironmentInfo:
        return await self._info("get", env_id)

    async def stop(self, env_id: str) -> EnvironmentInfo:
        return await self._info("stop", env_id)

    async def resume(self, env_id: str) -> EnvironmentInfo:
        return await self._info("resume", env_id)

    async def remove(self, env_id: str) -> None:
        await self._call(make(EnvironmentOp, op="remove", env_id=env_id))

    async def usage(self, env_id: str) -> Usage:
        return Usage.model_validate(await self._call(make(EnvironmentOp, op="usage", env_id=env_id)))

    async def list_environments(self) -> list[EnvironmentInfo]:
        return _INFOS.validate_python(await self._call(make(ListEnvironments, op="list")))

    async def close(self) -> None:
        return None

    # -- use ---------------------------------------------------------------------------------

    async def exec(self, env_id: str, request: ExecRequest, on_output: OutputCallback | None = None) -> ExecResult:
        async def output(frame: dict[str, Any]) -> None:
            if on_output is not None and frame.get("type") == "output":
                delivered = on_output(OutputChunk(stream=frame["stream"], data=frame["data"]))
                if inspect.isawaitable(delivered):
                    await delivered

        call = make(Exec, op="exec", env_id=env_id, request=request, stream=on_output is not None)
        return ExecResult.model_validate(await self._call(call, output))

    async def read_file(self, env_id: str, path: str) -> bytes:
        data = await self._call(make(ReadFile, op="read_file", env_id=env_id, path=path))
        if not isinstance(data, bytes):
            raise SandboxError("the sandbox controller answered a read with something else than bytes")
        return data

    async def write_file(
        self,
        env_id: str,
        path: str,
        data: bytes,
        mode: int = 0o644,
        *,
        if_match: str | None = None,
        create_only: bool = False,
    ) -> str:
        request = make(
            WriteFile,
            op="write_file",
            env_id=env_id,
            path=path,
            data=data,
            mode=mode,
            if_match=if_match,
            create_only=create_only,
        )
        return str(await self._call(request, path=path))

    async def list_files(self, env_id: str, path: str = ".") -> list[FileEntry]:
        return _ENTRIES.validate_python(await self._call(make(ListFiles, op="list_files", env_id=env_id, path=path)))

    async def delete_file(self, env_id: str, path: str) -> None:
        await self._call(make(DeleteFile, op="delete_file", env_id=env_id, path=path))

    async def rename_file(self, env_id: str, source: str, target: str) -> None:
        await self._call(make(RenameFile, op="rename_file", env_id=env_id, source=source, target=target))

    async def watch_files(self, env_id: str) -> AsyncGenerator[list[FileChange]]:
        """Batches as the controller's watch sends them; closing this generator hangs up (the watch is released)."""
        channel = await self._open(make(EnvironmentOp, op="watch", env_id=env_id))
        try:
            while True:
                frame = await _frame(channel)
                if frame.get("type") == "result":
                    return
                if frame.get("type") == "error":
                    raise_error(frame)
                yield _CHANGES.validate_python(frame.get("changes"))
        finally:
            channel.close()

    async def open_terminal(self, env_id: str, cols: int = 80, rows: int = 24) -> Terminal:
        channel = await self._open(make(OpenTerminal, op="open_terminal", env_id=env_id, cols=cols, rows=rows))
        try:
            await _answer(channel)
            return ControllerTerminal(_received_fd(channel), channel)
        except BaseException:
            channel.close()
            raise

    async def connect_port(self, env_id: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        channel = await self._open(make(ConnectPort, op="connect_port", env_id=env_id, port=port))
        try:
            await _answer(channel)
            connected = socket.socket(fileno=_received_fd(channel))
        finally:
            channel.close()
        return await asyncio.open_connection(sock=connected)


async def _frame(channel: Channel) -> dict[str, Any]:
    frame = await channel.receive()
    if not isinstance(frame, dict):
        raise SandboxError("the sandbox controller closed the connection without an answer")
    return frame


async def _answer(channel: Channel, on_frame: FrameHandler | None = None, path: str = "") -> Any:
    """The value of the ``result`` frame (frames before it go to ``on_frame``); an ``error`` frame raised."""
    while True:
        frame = await _frame(channel)
        if frame.get("type") == "result":
            return frame.get("value")
        if frame.get("type") == "error":
            raise_error(frame, path)
        if on_frame is not None:
            await on_frame(frame)


def _received_fd(channel: Channel) -> int:
    if not channel.fds:
        raise SandboxError("the sandbox controller sent no descriptor")
    fd = channel.fds.pop(0)
    for extra in channel.fds:
        os.close(extra)
    channel.fds.clear()
    return fd
