"""Who may call the internal API, and what its resolvers get: a connection in a transaction, the Ingestor.

``CHRONICLES_ADMIN_TOKEN`` unset: the internal API is disabled (503), so a
forgotten token never means an open door. A missing or wrong bearer token:
401. Tokens are compared in constant time.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Header, Request
from psycopg import AsyncConnection
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from chronicles.errors import UnauthenticatedError, UnavailableError
from chronicles.ingest.service import Ingestor


class InternalContext(BaseContext):
    def __init__(self, engine: AsyncEngine, ingestor: Ingestor) -> None:
        super().__init__()
        self.engine = engine
        self.ingestor = ingestor

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A psycopg connection from the service's pool, inside one transaction (committed on success)."""
        async with self.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            conn: AsyncConnection = raw.driver_connection  # type: ignore[assignment]
            async with conn.transaction():
                yield conn


Info = StrawberryInfo[InternalContext, None]


async def internal_context(request: Request, authorization: str | None = Header(default=None)) -> InternalContext:
    """FastAPI dependency of the GraphQL route: refuses the request before any GraphQL runs."""
    expected = request.app.state.settings.chronicles_admin_token.get_secret_value()
    if not expected:
        raise UnavailableError("the internal API is disabled: set CHRONICLES_ADMIN_TOKEN to enable it")
    scheme, _, offered = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(offered.strip().encode(), expected.encode()):
        raise UnauthenticatedError("a valid admin token is required (Authorization: Bearer …)")
    return InternalContext(request.app.state.engine, request.app.state.ingestor)
