"""Reads for the hot request paths: SQLAlchemy Core statements run straight on psycopg's pool.

A one-row query through SQLAlchemy's async engine costs about 370 µs of CPU
here (pool checkout and return, greenlet switches, result wrapping); the same
compiled statement on a ``psycopg_pool`` connection costs about 100 µs (see
the README's performance section). On a page that runs one query per request
that difference is most of the request. Statements are still written with
SQLAlchemy and compiled once per statement object; writes and anything in a
transaction stay on the ORM session.

Two backends behind :class:`Reads`: :class:`PoolReads` for web requests, and
:class:`SessionReads` for code already holding a session (its transaction
then sees what it wrote).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

import psycopg
from cachetools import LRUCache
from psycopg import AsyncConnection
from psycopg.rows import AsyncRowFactory, dict_row, tuple_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import Executable
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection as SAConnection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ClauseElement

Params = Mapping[str, Any]
R = TypeVar("R")
T = TypeVar("T")


class Reads(Protocol):
    """Runs read-only Core statements (no ORM entities in the select list)."""

    lasting: bool
    """Usable after the request that got it ends (a pool), so a cache may reload through it in the background."""

    async def rows(self, statement: Executable, params: Params | None = None) -> Sequence[Sequence[Any]]:
        """Every row, as a tuple of column values."""
        ...

    async def mappings(self, statement: Executable, params: Params | None = None) -> Sequence[Mapping[str, Any]]:
        """Every row, as column name -> value."""
        ...


class SessionReads:
    """Reads in the caller's session or connection (and its transaction)."""

    lasting = False  # bound to the caller's session

    def __init__(self, session: AsyncSession | SAConnection) -> None:
        self.session = session

    async def rows(self, statement: Executable, params: Params | None = None) -> Sequence[Sequence[Any]]:
        return list(await self.session.execute(statement, params))

    async def mappings(self, statement: Executable, params: Params | None = None) -> Sequence[Mapping[str, Any]]:
        return [dict(row) for row in (await self.session.execute(statement, params)).mappings()]


_DIALECT = psycopg_dialect.dialect()  # type: ignore[no-untyped-call]
_SHUTDOWN = {"57P01", "57P02", "57P03"}  # admin shutdown, crash shutdown, cannot connect now


def _dropped(error: psycopg.OperationalError) -> bool:
    """The server closed the connection (no SQLSTATE: the socket went), not a slow or cancelled query."""
    return not isinstance(error, PoolTimeout) and (error.sqlstate is None or error.sqlstate in _SHUTDOWN)


WAIT_S = 5.0
FIRST_CONNECTIONS_S = 30.0


class PoolReads:
    """Reads on connections of a ``psycopg_pool`` pool in autocommit mode: one statement, one checkout.

    The pool opens on first use (so an app that never reads this way opens no
    connection) and is closed by :meth:`close`.
    """

    lasting = True

    def __init__(
        self,
        database_url: str,
        *,
        max_size: int,
        application_name: str,
        connection_options: Mapping[str, Any] | None = None,
    ) -> None:
        """``connection_options``: more keyword arguments of every connection (e.g. ``options``, libpq's
        ``-c name=value`` settings, or ``prepare_threshold``); autocommit stays on."""
        conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        options = {"application_name": application_name, "connect_timeout": 5, **(connection_options or {})}
        self.pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
            conninfo,
            min_size=min(2, max_size),
            max_size=max_size,
            kwargs={**options, "autocommit": True},
            timeout=WAIT_S,  # waiting for a connection: a database that is down fails requests, not hangs them
            open=False,
        )
        self._opening = asyncio.Lock()
        self._open = False
        self._opened_at = 0.0
        # By identity: the statements of the hot paths are built once; others pass through.
        self._compiled: LRUCache[int, tuple[ClauseElement, str, dict[str, Any]]] = LRUCache(maxsize=512)

    async def rows(self, statement: Executable, params: Params | None = None) -> Sequence[Sequence[Any]]:
        return await self._run(statement, params, tuple_row)

    async def mappings(self, statement: Executable, params: Params | None = None) -> Sequence[Mapping[str, Any]]:
        return await self._run(statement, params, dict_row)

    async def _run(self, statement: Executable, params: Params | None, rows: AsyncRowFactory[R]) -> list[R]:
        sql, values = self._sql(statement, params)
        return await self.run(lambda connection: _fetch(connection, sql, values, rows))

    async def run(self, work: Callable[[AsyncConnection[Any]], Awaitable[T]]) -> T:
        """``work`` on a pooled connection; once more on a fresh one when the server dropped it.

        Connections are not tested as they leave the pool (a round trip per
        request); after a database restart every pooled connection is dead,
        so a failure checks the whole pool and, reads being safe to repeat,
        ``work`` runs again: it must be a read.
        """
        await self._ensure_open()
        try:
            return await self._on_connection(work)
        except psycopg.OperationalError as error:
            if not _dropped(error):
                raise
            await self.pool.check()
            return await self._on_connection(work)

    async def _on_connection(self, work: Callable[[AsyncConnection[Any]], Awaitable[T]]) -> T:
        async with self.pool.connection(timeout=self._wait_for_connection()) as connection:
            return await work(connection)

    def _wait_for_connection(self) -> float:
        """How long a request waits for a connection: 5 s, but up to 30 s while the pool makes its first ones.

        A process that has just started opens its pool on the first request. On a
        loaded host (a whole topology starting) its first connection attempts can
        fail or take the whole connect timeout, the pool retries after a pause, and
        the first requests failed with ``PoolTimeout``: 500s from a replica the
        balancer had just put in (the topology test's learner, a rolling deploy).
        """
        young = time.monotonic() - self._opened_at < FIRST_CONNECTIONS_S
        return FIRST_CONNECTIONS_S if young else WAIT_S

    async def close(self) -> None:
        if self._open:
            await self.pool.close()
            self._open = False

    def _sql(self, statement: Executable, params: Params | None) -> tuple[str, dict[str, Any]]:
        """The statement as psycopg SQL, and its parameters: literals bound in the statement, then ``params``."""
        assert isinstance(statement, ClauseElement)
        compiled = self._compiled.get(id(statement))
        if compiled is None or compiled[0] is not statement:
            found = statement.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
            compiled = (statement, str(found), dict(found.params))
            self._compiled[id(statement)] = compiled
        _statement, sql, bound = compiled
        return sql, {**bound, **params} if params else bound

    async def _ensure_open(self) -> None:
        if self._open:
            return
        async with self._opening:
            if not self._open:
                await self.pool.open()
                self._opened_at = time.monotonic()
                self._open = True


async def _fetch(
    connection: AsyncConnection[Any], sql: str, values: dict[str, Any], rows: AsyncRowFactory[R]
) -> list[R]:
    cursor = connection.cursor(row_factory=rows)
    await cursor.execute(sql, values)
    return await cursor.fetchall()
