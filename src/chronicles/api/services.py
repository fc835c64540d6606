"""What one Chronicles web process keeps between requests: one typed object, built by ``create_app``.

The database pools (SQLAlchemy's for writes and the internal API, psycopg's
for public searches, :mod:`chronicles.api.search_pool`, on the read replica when
``CHRONICLES_READ_DATABASE_URL`` is set), the metrics registry, the Ingestor (and the rule book it
caches), the keys that check tokens, the planner's statistics and the parsed
templates all live here, in ``app.state.services``; no module keeps any of
them in a global, so two apps in one process (as in the tests) share nothing.
Routes and GraphQL contexts take it as a dependency (:data:`ServicesDependency`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Annotated

import structlog
from fastapi import Depends, Request
from psycopg import AsyncConnection
from sqlalchemy.ext.asyncio import AsyncEngine

from chronicles.api.search_pool import SearchPool
from chronicles.api.tokens import signing_key
from chronicles.errors import ReplicaUnavailableError
from chronicles.ingest.producers import producer_key
from chronicles.ingest.service import Ingestor
from chronicles.ingest.status import IngestionStatus, ReplicaStatus, ingestion_status, replica_lag_seconds
from chronicles.observability import Metrics
from chronicles.rules.templates import ParsedTemplates
from chronicles.settings import ChroniclesSettings
from chronicles.store.search_stats import Statistics
from servicekit.database import make_engine

log = structlog.get_logger(__name__)


@dataclass
class Services:
    settings: ChroniclesSettings
    engine: AsyncEngine
    metrics: Metrics
    ingestor: Ingestor
    producer_key: str | None  # None: the intake is open to anyone (CHRONICLES_INTAKE_OPEN)
    searches: SearchPool
    search_stats: Statistics = field(default_factory=Statistics)
    templates: ParsedTemplates = field(default_factory=ParsedTemplates)
    _viewer_key: str | None = None

    @classmethod
    def start(cls, settings: ChroniclesSettings) -> Services:
        """Everything a process needs; a configured key that is unusable fails here, not at the first request."""
        intake_key = None if settings.chronicles_intake_open else producer_key(settings)
        engine = make_engine(
            settings.resolved_database_url(),
            pool_size=settings.chronicles_db_pool_size,
            application_name="chronicles",
            custom_plans=True,
        )
        searches = SearchPool(
            settings.resolved_read_database_url(),
            max_size=settings.chronicles_db_pool_size,
            application_name="chronicles",
            replica=settings.chronicles_read_database_url is not None,
        )
        metrics = Metrics(replica=searches.replica)
        services = cls(settings, engine, metrics, Ingestor(metrics), intake_key, searches)
        if settings.chronicles_signing_key.get_secret_value():
            services.viewer_key()
        return services

    def viewer_key(self) -> str:
        """The key viewer tokens are signed with (a kept one is made on first use)."""
        if self._viewer_key is None:
            self._viewer_key = signing_key(self.settings)
        return self._viewer_key

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A psycopg connection from the pool (given back, rolled back, when the block ends)."""
        async with self.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            conn: AsyncConnection = raw.driver_connection  # type: ignore[assignment]
            yield conn

    async def ingestion_status(self) -> IngestionStatus:
        """The figures of the primary, and the read replica's lag when there is one."""
        async with self.connection() as conn:
            status = await ingestion_status(conn)
        return replace(status, replica=await self.replica_status())

    async def replica_status(self) -> ReplicaStatus | None:
        """The read replica's lag, read on the replica; None without one. A replica that cannot be reached
        is reported as such (the status is most wanted then), not raised."""
        if not self.searches.replica:
            return None
        try:
            lag = await self.searches.read(replica_lag_seconds)
        except ReplicaUnavailableError:
            log.warning("chronicles.replica_unreachable")
            return ReplicaStatus(reachable=False, lag_seconds=None)
        return ReplicaStatus(reachable=True, lag_seconds=lag)

    async def close(self) -> None:
        await self.searches.close()
        await self.engine.dispose()


def request_services(request: Request) -> Services:
    found = request.app.state.services
    assert isinstance(found, Services)
    return found


async def _services_dependency(request: Request) -> Services:
    """The dependency form: a coroutine, which FastAPI calls in place (a plain function costs a thread hop)."""
    return request_services(request)


ServicesDependency = Annotated[Services, Depends(_services_dependency)]
