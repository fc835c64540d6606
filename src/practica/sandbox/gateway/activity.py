"""Telling the platform that an environment is in use (what keeps the idle cull away)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import structlog

ActivitySink = Callable[[str], Awaitable[None]]
log = structlog.get_logger(__name__)


class Activity:
    """Reports an environment to ``sink`` at most once per ``every`` seconds; never blocks the caller."""

    def __init__(self, sink: ActivitySink | None, every: float = 30.0) -> None:
        self.sink = sink
        self.every = every
        self.last: dict[str, float] = {}
        self.pending: set[asyncio.Task[None]] = set()

    def seen(self, env_id: str) -> None:
        now = time.monotonic()
        if self.sink is None or now - self.last.get(env_id, -self.every) < self.every:
            return
        self.last[env_id] = now
        task = asyncio.create_task(self._report(self.sink, env_id))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def _report(self, sink: ActivitySink, env_id: str) -> None:
        try:
            await sink(env_id)
        except Exception as error:  # the platform being away must not break a terminal
            self.last.pop(env_id, None)
            log.warning("gateway.activity_not_recorded", environment=env_id, error=str(error))

    async def close(self) -> None:
        if self.pending:
            await asyncio.gather(*self.pending, return_exceptions=True)
