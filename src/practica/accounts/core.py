"""What a Practica process keeps between requests, as far as the accounts layer sees it.

:class:`CoreServices` holds the settings, the :class:`Database` and the
accounts' caches (who is signed in, who belongs to which organisation).
:class:`practica.services.Services` extends it with what the layers above
accounts keep (the catalogue); the web app factory builds one and keeps it in
``app.state.services``, and each command builds its own. No module keeps any
of this in a global, so two apps in one process (as in the tests) share
nothing. The accounts layer cannot import ``practica.services`` (import-linter's
layers contract), so its routes reach their part of it through
:func:`practica.accounts.dependencies.core_services`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from practica.accounts.memberships import RecentMemberships
from practica.accounts.sessions import RecentSessions
from practica.settings import PracticaSettings
from servicekit.database import make_engine, make_sessionmaker
from servicekit.reads import PoolReads


@dataclass(frozen=True)
class Database:
    """One process's connections to the platform database; they open on first use."""

    engine: AsyncEngine
    reader: AsyncEngine  # the engine in autocommit mode (made once: deriving it per request costs as much as a query)
    reads: PoolReads  # the hot read paths: Core statements straight on a psycopg pool
    sessions: async_sessionmaker[AsyncSession]

    @classmethod
    def open(cls, settings: PracticaSettings, *, pool_size: int | None = None) -> Database:
        """``pool_size`` connections per pool, by default ``PRACTICA_DB_POOL_SIZE`` (a command needs 1)."""
        url = settings.resolved_database_url()
        size = settings.practica_db_pool_size if pool_size is None else pool_size
        # A steady pool: overflow connections would be opened and closed per request under load.
        engine = make_engine(url, pool_size=size, max_overflow=0, pre_ping=False)
        return cls(
            engine=engine,
            reader=engine.execution_options(isolation_level="AUTOCOMMIT"),
            reads=PoolReads(url, max_size=size, application_name="practica"),
            sessions=make_sessionmaker(engine),
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction, committed when the block ends without an exception."""
        async with self.sessions() as session, session.begin():
            yield session

    async def close(self) -> None:
        await self.reads.close()
        await self.engine.dispose()


@dataclass(kw_only=True)
class CoreServices:
    settings: PracticaSettings
    database: Database
    recent_sessions: RecentSessions = field(default_factory=RecentSessions)
    memberships: RecentMemberships = field(default_factory=RecentMemberships)

    @classmethod
    def start(cls, settings: PracticaSettings, *, pool_size: int | None = None) -> Self:
        return cls(settings=settings, database=Database.open(settings, pool_size=pool_size))

    async def close(self) -> None:
        """Stop the caches' reloads, then close the database (the web app's lifespan does; so does a command)."""
        await self.recent_sessions.close()
        await self.memberships.close()
        await self.database.close()
