"""Telling a waiting request at once that a row it follows changed (PostgreSQL LISTEN/NOTIFY): long polls.

A lesson's page asks for its environment's state until it runs, and for its
check until it ends. Polling would make the learner wait for the next poll;
instead the page may ask with ``wait``: the web process holds the request
until the thing's state changes (or the wait runs out). Whatever changes such
a state (the environment's lifecycle jobs, the starter files going in, the
check job) calls :func:`announce` with the thing's key (:func:`environment_key`,
:func:`check_key`) in its transaction: PostgreSQL delivers the notification at
commit, to every web process listening, and :class:`Changes` wakes the
requests waiting for that key.

One connection per web process listens, opened on the first wait and kept;
if it breaks, every waiter is woken (it reads the state again and the page
asks again), and the next wait opens a new one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import TypeVar

import psycopg
import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

# The channel's name predates checks' use of it; kept, so a web process of the previous release still hears.
CHANNEL = "practica_environment_changed"
MAX_WAIT_S = 25.0  # below the usual proxies' idle timeouts (30–60 s)
log = structlog.get_logger(__name__)


def environment_key(env_id: str) -> str:
    """An environment's key: its id, as announced since the first release of long polls."""
    return env_id


def check_key(check_id: int) -> str:
    return f"check:{check_id}"


async def announce(session: AsyncSession, key: str) -> None:
    """Tell the listening web processes, when ``session``'s transaction commits, that ``key`` changed."""
    await session.execute(select(func.pg_notify(CHANNEL, key)))


State = TypeVar("State")


async def read_when_changed(
    changes: Changes, key: str, read: Callable[[], Awaitable[State]], wait: float, pending: Callable[[State], bool]
) -> State:
    """``read()`` again each time ``key`` changes, until ``pending(state)`` is false or ``wait`` seconds pass.

    The state is read after the listener is in place, so a change committed
    between the caller's first read and the LISTEN is not missed.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    try:
        async with changes.watch(key) as changed:
            state = await read()
            while pending(state) and (left := deadline - loop.time()) > 0:
                if await changed(left):
                    state = await read()
            return state
    except (psycopg.OperationalError, OSError) as error:  # no listener: answer now, the page asks again
        log.warning("changes.listen_failed", error=str(error))
        return await read()


class Changes:
    """The web process's one listener, and the requests waiting on it per key."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self._listening: asyncio.Task[None] | None = None
        self._ready: asyncio.Event | None = None

    @asynccontextmanager
    async def watch(self, key: str) -> AsyncIterator[Callable[[float], Awaitable[bool]]]:
        """Listen for ``key`` for the block; read the state inside it, then await ``changed(seconds)``.

        ``changed`` answers True when a change came (or the listener broke:
        read again either way), False when ``seconds`` passed.
        """
        await self._listen()
        event = asyncio.Event()
        self._waiters.setdefault(key, set()).add(event)

        async def changed(seconds: float) -> bool:
            with suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), seconds)
                event.clear()  # the caller reads the state next: a later change sets it again
                return True
            return False

        try:
            yield changed
        finally:
            waiting = self._waiters.get(key, set())
            waiting.discard(event)
            if not waiting:
                self._waiters.pop(key, None)

    def waiting_for(self, key: str) -> int:
        """How many requests wait for ``key`` now."""
        return len(self._waiters.get(key, ()))

    async def _listen(self) -> None:
        """Start the listening connection unless it runs; return once it LISTENs."""
        if self._listening is None or self._listening.done():
            self._ready = asyncio.Event()
            self._listening = asyncio.create_task(self._relay(self._ready), name="changes")
        assert self._ready is not None
        ready = asyncio.create_task(self._ready.wait())
        await asyncio.wait([ready, self._listening], return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if self._listening.done():
            self._listening.result()  # the connection failed: the caller's request fails with it

    async def _relay(self, ready: asyncio.Event) -> None:
        try:
            async with await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True) as connection:
                await connection.execute(f"LISTEN {CHANNEL}")
                ready.set()
                async for notification in connection.notifies():
                    for event in self._waiters.get(notification.payload, ()):
                        event.set()
        finally:
            self._wake_everyone()

    def _wake_everyone(self) -> None:
        for waiting in self._waiters.values():
            for event in waiting:
                event.set()

    async def close(self) -> None:
        if self._listening is not None:
            self._listening.cancel()
            with suppress(asyncio.CancelledError, psycopg.Error):
                await self._listening
