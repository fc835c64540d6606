"""Connections for the public searches: one statement, one round trip.

Through SQLAlchemy's pool a search cost five round trips (the pre-ping, BEGIN,
the ``SET LOCAL`` settings, the query, the ROLLBACK when the connection went
back) and about a millisecond of CPU in pool and greenlet code. These
connections come from a ``psycopg_pool`` pool in autocommit mode and carry
the search settings from the moment they connect (libpq ``options``), so a
search is its query alone:

- ``plan_cache_mode = force_custom_plan`` and no server-side prepares: every
  statement is planned for its values (PERFORMANCE.md: a generic plan turns
  a millisecond into seconds);
- ``statement_timeout = 5s``: a search never runs away with the database;
- ``jit = off``, ``max_parallel_workers_per_gather = 0``: a page is a few
  dozen rows, workers and JIT compilation cost more than they save.

Connections are not tested as they leave the pool; a read that fails because
the server dropped its connection (a restart) checks the whole pool and runs
once more, reads being safe to repeat.

On a read replica (``CHRONICLES_READ_DATABASE_URL``) a server that cannot be
reached within the pool's timeout is a
:class:`~chronicles.errors.ReplicaUnavailableError` (503, ``UNAVAILABLE``),
never a silent read from the primary: the replica is there to keep the
searches' load off the primary, and an outage must not move it back unseen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy.engine import make_url

from chronicles.errors import ReplicaUnavailableError

T = TypeVar("T")
SEARCH_OPTIONS = (
    "-c plan_cache_mode=force_custom_plan -c statement_timeout=5s -c jit=off -c max_parallel_workers_per_gather=0"
)
REPLICA_DOWN = "the read replica (CHRONICLES_READ_DATABASE_URL) cannot be reached; try again later"
_SHUTDOWN = {"57P01", "57P02", "57P03"}  # admin shutdown, crash shutdown, cannot connect now


class SearchPool:
    """Autocommit connections with the search settings; opens on first use, closed by :meth:`close`."""

    def __init__(self, database_url: str, *, max_size: int, application_name: str, replica: bool = False) -> None:
        self.replica = replica
        conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
            conninfo,
            min_size=min(2, max_size),
            max_size=max_size,
            kwargs={
                "autocommit": True,
                "prepare_threshold": None,
                "application_name": application_name,
                "connect_timeout": 5,
                "options": SEARCH_OPTIONS,
            },
            timeout=5.0,  # waiting for a connection: a database that is down fails requests, not hangs them
            open=False,
        )
        self._opening = asyncio.Lock()
        self._open = False

    async def read(self, work: Callable[[AsyncConnection[Any]], Awaitable[T]]) -> T:
        """``work`` on a pooled connection; once more on a fresh one when the server had dropped it."""
        await self._ensure_open()
        try:
            return await self._read_or_retry(work)
        except PoolTimeout as error:
            if not self.replica:
                raise
            raise ReplicaUnavailableError(REPLICA_DOWN) from error

    async def _read_or_retry(self, work: Callable[[AsyncConnection[Any]], Awaitable[T]]) -> T:
        try:
            return await self._run(work)
        except psycopg.OperationalError as error:
            if not _dropped(error):
                raise
            await self.pool.check()
            return await self._run(work)

    async def _run(self, work: Callable[[AsyncConnection[Any]], Awaitable[T]]) -> T:
        async with self.pool.connection() as connection:
            return await work(connection)

    async def _ensure_open(self) -> None:
        if self._open:
            return
        async with self._opening:
            if not self._open:
                await self.pool.open()
                self._open = True

    async def close(self) -> None:
        if self._open:
            await self.pool.close()
            self._open = False


def _dropped(error: psycopg.OperationalError) -> bool:
    """The server closed the connection (no SQLSTATE: the socket went), not a slow or cancelled query."""
    return not isinstance(error, PoolTimeout) and (error.sqlstate is None or error.sqlstate in _SHUTDOWN)
