"""Who may call the internal API, and what its resolvers get: a connection in a transaction, the services.

``CHRONICLES_ADMIN_TOKEN`` unset: the internal API is disabled (503), so a
forgotten token never means an open door. A missing or wrong bearer token:
401. Tokens are compared in constant time.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Header
from psycopg import AsyncConnection
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from chronicles.api.services import Services, ServicesDependency
from chronicles.errors import UnauthenticatedError, UnavailableError


class InternalContext(BaseContext):
    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A psycopg connection from the service's pool, inside one transaction (committed on success)."""
        async with self.services.connection() as conn, conn.transaction():
            yield conn


async def internal_context(
    services: ServicesDependency, authorization: str | None = Header(default=None)
) -> InternalContext:
    """FastAPI dependency of the GraphQL route: refuses the request before any GraphQL runs."""
    expected = services.settings.chronicles_admin_token.get_secret_value()
    if not expected:
        raise UnavailableError("the internal API is disabled: set CHRONICLES_ADMIN_TOKEN to enable it")
    scheme, _, offered = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(offered.strip().encode(), expected.encode()):
        raise UnauthenticatedError("a valid admin token is required (Authorization: Bearer …)")
    return InternalContext(services)


Info = StrawberryInfo[InternalContext, None]
