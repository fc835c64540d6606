"""Terminal sessions that outlive their WebSocket.

A session owns one shell (a runtime :class:`Terminal`). Its output is read
all the time, kept in a ring buffer and sent to the attached socket, if
any. When the socket drops, the shell keeps running for a grace period; a
new socket for the same session is sent the buffer first, then the live
output. Positions count every byte ever read, so a reattached socket gets
each byte still in the buffer exactly once, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress

import structlog
from starlette.websockets import WebSocket

from practica.sandbox.runtime import Runtime, Terminal

SEND_TIMEOUT = 10.0  # a socket that takes longer to accept output is treated as gone
REPLACED = 4000  # close code: another connection took this terminal
log = structlog.get_logger(__name__)


class TerminalSession:
    def __init__(self, terminal: Terminal, replay: int, grace: float, on_end: Callable[[], None]) -> None:
        self.terminal = terminal
        self.replay = replay
        self.grace = grace
        self.on_end = on_end
        self.buffer = bytearray()
        self.total = 0  # bytes read so far; the buffer holds the last len(buffer) of them
        self.sent = 0  # of which the attached socket has been sent
        self.socket: WebSocket | None = None
        self.lock = asyncio.Lock()
        self.expiry: asyncio.TimerHandle | None = None
        self.closing: asyncio.Future[None] | None = None
        self.ended = False
        self.pump = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        try:
            while data := await self.terminal.read():
                self.buffer += data
                self.total += len(data)
                if len(self.buffer) > self.replay:
                    del self.buffer[: len(self.buffer) - self.replay]
                await self._flush()
        finally:
            self.ended = True
            await self.terminal.close()
            socket, self.socket = self.socket, None
            if socket is not None:
                with suppress(Exception):
                    await socket.close(1000, "the shell has ended")
            self.on_end()

    async def _flush(self) -> None:
        async with self.lock:
            socket = self.socket
            if socket is None or self.sent >= self.total:
                return
            first = self.total - len(self.buffer)
            chunk = bytes(self.buffer[max(self.sent, first) - first :])
            self.sent = self.total
            try:
                await asyncio.wait_for(socket.send_bytes(chunk), SEND_TIMEOUT)
            except Exception:
                self.detach(socket)

    async def attach(self, socket: WebSocket) -> None:
        """Make ``socket`` the one this shell talks to; it is sent the recent output first."""
        if self.expiry is not None:
            self.expiry.cancel()
            self.expiry = None
        async with self.lock:
            previous, self.socket = self.socket, socket
            self.sent = self.total - len(self.buffer)
        if previous is not None:
            with suppress(Exception):
                await previous.close(REPLACED, "another connection took this terminal")
        await self._flush()

    def detach(self, socket: WebSocket) -> None:
        """``socket`` has gone: keep the shell for the grace period."""
        if self.socket is not socket:
            return
        self.socket = None
        if not self.ended:
            self.expiry = asyncio.get_running_loop().call_later(self.grace, self._expire)

    def _expire(self) -> None:
        self.closing = asyncio.ensure_future(self.close())

    async def write(self, data: bytes) -> None:
        await self.terminal.write(data)

    async def resize(self, cols: int, rows: int) -> None:
        await self.terminal.resize(cols, rows)

    async def close(self) -> None:
        await self.terminal.close()
        with suppress(asyncio.CancelledError):
            await self.pump


class TerminalHub:
    """The sessions of this gateway, by environment and session name."""

    def __init__(self, runtime: Runtime, replay: int, grace: float) -> None:
        self.runtime = runtime
        self.replay = replay
        self.grace = grace
        self.sessions: dict[tuple[str, str], TerminalSession] = {}
        self.opening: dict[tuple[str, str], asyncio.Lock] = {}

    async def session(self, env_id: str, name: str, cols: int, rows: int) -> tuple[TerminalSession, bool]:
        """The live session (and False), or a new shell (and True)."""
        key = (env_id, name)
        async with self.opening.setdefault(key, asyncio.Lock()):
            found = self.sessions.get(key)
            if found is not None and not found.ended:
                return found, False
            terminal = await self.runtime.open_terminal(env_id, cols, rows)
            made = TerminalSession(terminal, self.replay, self.grace, lambda: self._forget(key, made))
            self.sessions[key] = made
            log.info("gateway.terminal_opened", environment=env_id, session=name)
            return made, True

    def _forget(self, key: tuple[str, str], session: TerminalSession) -> None:
        if self.sessions.get(key) is session:
            del self.sessions[key]
            lock = self.opening.get(key)
            if lock is not None and not lock.locked():
                del self.opening[key]

    async def close(self) -> None:
        for session in list(self.sessions.values()):
            await session.close()
