"""``practica sandbox-controller``: the one privileged process, driving the bwrap runtime for the others.

Everything the bwrap runtime needs root for (per-environment uids, cgroups,
loop-mounted workspaces, network namespaces, ``nsenter``) happens here. The
gateway and the workers run unprivileged and reach it through
:class:`practica.sandbox.controller_client.ControllerRuntime` over a unix
socket (directory 0750 and socket 0660, group of the service user). Each
connection's peer is checked with ``SO_PEERCRED``: only root and the
service user are served. Each connection carries one request of
:mod:`practica.sandbox.controller_protocol`; what does not validate is
refused with an error naming the field, and the controller carries on.
Environments live as long as this process (bubblewrap's ``--die-with-parent``).
"""

from __future__ import annotations

import asyncio
import grp
import os
import pwd
import signal
import socket
import struct
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import structlog
from pydantic import BaseModel, ValidationError

from practica.sandbox.controller_protocol import (
    REQUEST,
    Channel,
    ConnectPort,
    Create,
    DeleteFile,
    EnvironmentOp,
    Exec,
    ListEnvironments,
    ListFiles,
    OpenTerminal,
    ReadFile,
    RenameFile,
    Request,
    RequestRefusedError,
    WriteFile,
    error_frame,
    refusal,
)
from practica.sandbox.runtime import Runtime, SandboxError
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import OutputChunk
from practica.sandbox.terminal import PtyTerminal

log = structlog.get_logger(__name__)
PEERCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid


def peer_uid(sock: socket.socket) -> int:
    _pid, uid, _gid = PEERCRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, PEERCRED.size))
    return int(uid)


def _validated(raw: object) -> Request:
    try:
        return REQUEST.validate_python(raw)
    except ValidationError as error:
        raise refusal(error) from None


def _plain(value: object) -> object:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python")
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def result(value: object = None) -> dict[str, Any]:
    return {"type": "result", "value": _plain(value)}


class Controller:
    """Serves :mod:`practica.sandbox.controller_protocol` requests on ``runtime`` for allowed peers."""

    def __init__(self, runtime: Runtime, allowed_uids: frozenset[int]) -> None:
        self.runtime = runtime
        self.allowed_uids = allowed_uids
        self.tasks: set[asyncio.Task[None]] = set()

    async def serve(self, listener: socket.socket) -> None:
        """Accept connections until cancelled; each is handled by a task of its own."""
        listener.setblocking(False)
        loop = asyncio.get_running_loop()
        while True:
            connection, _address = await loop.sock_accept(listener)
            task = asyncio.create_task(self.handle(connection))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def handle(self, connection: socket.socket) -> None:
        channel = Channel(connection)
        try:
            raw = await channel.receive()  # read first: a peer refused unread would only see its connection reset
            self._check_peer(connection)
            if raw is not None:
                await self._dispatch(channel, _validated(raw))
        except (SandboxError, ValueError, OSError) as error:  # OSError: a file's (or a client gone, then unsent)
            await _send_quietly(channel, error_frame(error))
        except Exception as error:
            log.exception("sandbox controller request failed")
            await _send_quietly(channel, error_frame(SandboxError(f"the sandbox controller failed: {error}")))
        finally:
            channel.close()

    def _check_peer(self, connection: socket.socket) -> None:
        uid = peer_uid(connection)
        if uid not in self.allowed_uids:
            log.warning("sandbox controller refused a peer", uid=uid)
            raise RequestRefusedError(f"uid {uid} may not use the sandbox controller")

    async def _dispatch(self, channel: Channel, request: Request) -> None:
        """Streaming and descriptor-passing requests answer on the channel themselves; the rest with a value."""
        match request:
            case EnvironmentOp(op="watch", env_id=env_id):
                await self._watch(channel, env_id)
            case Exec():
                await self._exec(channel, request)
            case OpenTerminal(env_id=env_id, cols=cols, rows=rows):
                await self._terminal(channel, env_id, cols, rows)
            case ConnectPort(env_id=env_id, port=port):
                await self._connect_port(channel, env_id, port)
            case _:
                await channel.send(result(await self._value_of(request)))

    async def _value_of(self, request: Request) -> object:
        runtime = self.runtime
        match request:
            case Create(spec=spec, env_id=env_id):
                return await runtime.create(spec, env_id)
            case ListEnvironments():
                return await runtime.list_environments()
            case EnvironmentOp(op=op, env_id=env_id):
                return await self._environment_op(op, env_id)
            case ReadFile(env_id=env_id, path=path):
                return await runtime.read_file(env_id, path)
            case WriteFile():
                return await self._write(request)
            case ListFiles(env_id=env_id, path=path):
                return await runtime.list_files(env_id, path)
            case DeleteFile(env_id=env_id, path=path):
                await runtime.delete_file(env_id, path)
                return None
            case RenameFile(env_id=env_id, source=source, target=target):
                await runtime.rename_file(env_id, source, target)
                return None
        raise RequestRefusedError(f"unknown request {request.op!r}")

    async def _environment_op(self, op: str, env_id: str) -> object:
        operations: dict[str, Callable[[str], Awaitable[object]]] = {
            "get": self.runtime.get,
            "stop": self.runtime.stop,
            "resume": self.runtime.resume,
            "remove": self.runtime.remove,
            "usage": self.runtime.usage,
        }
        return await operations[op](env_id)

    async def _write(self, request: WriteFile) -> str:
        return await self.runtime.write_file(
            request.env_id,
            request.path,
            request.data,
            request.mode,
            if_match=request.if_match,
            create_only=request.create_only,
        )

    async def _exec(self, channel: Channel, request: Exec) -> None:
        """A client gone mid-exec stops getting output; the command still ends by itself or by its timeout."""
        gone = False

        async def forward(chunk: OutputChunk) -> None:
            nonlocal gone
            if gone:
                return
            try:
                await channel.send({"type": "output", "stream": chunk.stream, "data": chunk.data})
            except OSError:
                gone = True

        outcome = await self.runtime.exec(request.env_id, request.request, forward if request.stream else None)
        await channel.send(result(outcome))

    async def _watch(self, channel: Channel, env_id: str) -> None:
        """Batches until the environment stops (then a result) or the client hangs up (the watch is released)."""
        changes = self.runtime.watch_files(env_id)

        async def relay() -> None:
            async for batch in changes:
                await channel.send({"type": "changes", "changes": _plain(batch)})

        relaying = asyncio.create_task(relay())
        hanging_up = asyncio.create_task(channel.receive())
        try:
            done, _pending = await asyncio.wait({relaying, hanging_up}, return_when=asyncio.FIRST_COMPLETED)
            if relaying in done:
                relaying.result()  # an error of the watch goes back to the client
                await channel.send(result())
        finally:
            await _cancel(relaying, hanging_up)
            await changes.aclose()

    async def _terminal(self, channel: Channel, env_id: str, cols: int, rows: int) -> None:
        """Hand over the pty's master; hang the shell up when the client hangs up (or is gone)."""
        terminal = await self.runtime.open_terminal(env_id, cols, rows)
        try:
            if not isinstance(terminal, PtyTerminal):
                raise SandboxError(f"the {self.runtime.name} runtime's terminals cannot be passed on")
            await channel.send(result(), (terminal.master,))
            shell_ended = asyncio.create_task(terminal.process.wait())
            hanging_up = asyncio.create_task(channel.receive())
            await asyncio.wait({shell_ended, hanging_up}, return_when=asyncio.FIRST_COMPLETED)
            await _cancel(shell_ended, hanging_up)
        finally:
            await terminal.close()

    async def _connect_port(self, channel: Channel, env_id: str, port: int) -> None:
        _reader, writer = await self.runtime.connect_port(env_id, port)
        try:
            await channel.send(result(), (writer.get_extra_info("socket").fileno(),))
        finally:
            writer.close()


async def _cancel(*tasks: asyncio.Task[Any]) -> None:
    for task in tasks:
        task.cancel()
        with suppress(asyncio.CancelledError, Exception):
            await task


async def _send_quietly(channel: Channel, frame: dict[str, Any]) -> None:
    """An error for a client that may have gone already."""
    if not channel.closed:
        with suppress(OSError):
            await channel.send(frame)


def service_ids(user: str | None) -> tuple[int | None, int | None]:
    """The uid and gid of the service user (None, None without one)."""
    if not user:
        return None, None
    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def listen(path: Path, gid: int | None) -> socket.socket:
    """The controller's socket: its directory 0750 and itself 0660, both root:``gid``; a stale socket replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chown(path.parent, 0, gid if gid is not None else 0)
    path.parent.chmod(0o750)
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.umask(0o177)
    try:
        listener.bind(str(path))
    finally:
        os.umask(previous)
    os.chown(path, 0, gid if gid is not None else 0)
    path.chmod(0o660)
    listener.listen(128)
    return listener


def group_name(gid: int | None) -> str:
    return "root" if gid is None else grp.getgrgid(gid).gr_name


def default_socket(settings: SandboxSettings) -> Path:
    return settings.controller or settings.home / "run" / "sandbox.sock"


async def run_controller(settings: SandboxSettings, path: Path, user: str | None) -> None:
    """Serve until cancelled (SIGTERM, Ctrl-C); environments end with this process."""
    from practica.sandbox.bwrap import BwrapRuntime

    uid, gid = service_ids(user)
    runtime = BwrapRuntime(settings.model_copy(update={"controller": None}))
    allowed = frozenset({0} if uid is None else {0, uid})
    listener = listen(path, gid)
    log.info("sandbox controller listening", socket=str(path), group=group_name(gid), allowed_uids=sorted(allowed))
    serving = asyncio.current_task()
    assert serving is not None
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, serving.cancel)
    try:
        await Controller(runtime, allowed).serve(listener)
    except asyncio.CancelledError:
        log.info("sandbox controller stopping")
    finally:
        listener.close()
        with suppress(FileNotFoundError):
            os.unlink(path)
