"""A per-process cache that refreshes its entries ahead of their expiry, off the request path.

Web processes remember a signed-in session or a user's memberships for a
few seconds, so that a page's burst of API calls costs one lookup. With a
plain time-to-live cache, the request that finds an entry expired pays for
the lookup: a second and third database round trip in that request, which
under load puts it at the tail of the latency (measured: the p99 of the
catalogue doubled). Here an entry answers for at most ``ttl`` seconds, as
before; past a refresh time, staggered between half and four fifths of
``ttl`` so that entries stored together are not refreshed together, a read
still answers from memory and reloads the entry in a background task, one
per key at a time. Only a key not read for ``ttl`` seconds is loaded in the
request.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import structlog
from cachetools import LRUCache
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

K = TypeVar("K")
V = TypeVar("V")
log = structlog.get_logger(__name__)
REFRESH_FROM, REFRESH_TO = 0.5, 0.8  # of the ttl


@dataclass
class _Entry(Generic[V]):
    value: V
    expires: float
    refresh_at: float


class RefreshAheadCache(Generic[K, V]):
    """At most ``maxsize`` entries, each answering for at most ``ttl`` seconds after it was loaded."""

    def __init__(self, maxsize: int, ttl: float, *, timer: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.timer = ttl, timer
        self._entries: LRUCache[K, _Entry[V]] = LRUCache(maxsize=maxsize)
        self._refreshing: dict[K, asyncio.Task[None]] = {}
        self._generation = 0  # bumped by every forget: a load begun before it must not store its answer

    def get(self, key: K) -> V | None:
        """The remembered value, or ``None`` when there is none younger than ``ttl``."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self.timer() >= entry.expires:
            self._entries.pop(key, None)
            return None
        return entry.value

    async def get_or_load(
        self, key: K, load: Callable[[], Awaitable[V | None]], *, in_background: bool = True
    ) -> V | None:
        """The remembered value (reloaded in the background when due), else ``await load()``, remembered.

        ``load`` answering ``None`` (the session ended, say) forgets the key.
        ``in_background=False`` is for a ``load`` that cannot outlive the
        caller (it reads in the caller's transaction): nothing is reloaded
        ahead then.
        """
        entry = self._entries.get(key)
        now = self.timer()
        if entry is not None and now < entry.expires:
            if in_background and now >= entry.refresh_at and key not in self._refreshing:
                self._refreshing[key] = asyncio.create_task(self._refresh(key, load, self._generation))
            return entry.value
        generation = self._generation
        value = await load()
        self._store(key, value, generation)
        return value

    def forget(self, key: K) -> None:
        self._generation += 1
        self._entries.pop(key, None)

    def forget_where(self, matches: Callable[[V], bool]) -> None:
        """Forget every entry whose value ``matches``."""
        self._generation += 1
        for key in [key for key, entry in self._entries.items() if matches(entry.value)]:
            self._entries.pop(key, None)

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()

    async def close(self) -> None:
        """Stop the reloads under way: closed before what they read from, none opens a connection after it."""
        reloads = list(self._refreshing.values())
        for reload in reloads:
            reload.cancel()
        await asyncio.gather(*reloads, return_exceptions=True)

    def _store(self, key: K, value: V | None, generation: int) -> None:
        if generation != self._generation:
            return  # something was forgotten while this was loading: it may be what was just forgotten
        if value is None:
            self._entries.pop(key, None)
            return
        now = self.timer()
        refresh_at = now + self.ttl * random.uniform(REFRESH_FROM, REFRESH_TO)  # noqa: S311 - spreading load
        self._entries[key] = _Entry(value, now + self.ttl, refresh_at)

    async def _refresh(self, key: K, load: Callable[[], Awaitable[V | None]], generation: int) -> None:
        try:
            self._store(key, await load(), generation)
        except Exception:  # the entry stays until its ttl; the next read past it loads in the request
            log.warning("cache.refresh_failed", exc_info=True)
        finally:
            self._refreshing.pop(key, None)


def forget_now_and_at_commit(session: AsyncSession, forget: Callable[[], None]) -> None:
    """Call ``forget`` now, and again when ``session``'s transaction commits.

    Now: no request of this process answers from memory with what the
    transaction changes. At commit: a request that looked the row up in
    between read its old value (still the committed one) and may have
    remembered it for a whole ``ttl``.
    """
    forget()
    event.listen(session.sync_session, "after_commit", lambda _session: forget(), once=True)
