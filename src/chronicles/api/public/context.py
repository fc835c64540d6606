"""Who is asking the public API, and what its resolvers share while one request runs.

Every request must carry ``Authorization: Bearer <viewer token>``; without a
valid one the answer is 401 before any GraphQL runs, with the same message
whatever was wrong (the reason only goes to the log). Entry texts come from
the ``templates`` table through a per-request DataLoader: one query for all
the (app, subject type, action) kinds on a page.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC
from typing import Any, TypeVar

import structlog
from cachetools import LRUCache
from fastapi import Header
from psycopg import AsyncConnection
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from chronicles.api.services import Services, ServicesDependency
from chronicles.api.tokens import LEEWAY_SECONDS, TokenError, Viewer, verify
from chronicles.errors import UnauthenticatedError
from chronicles.rules.placeholders import EntryView, Template
from chronicles.rules.templates import Kind, template_texts
from chronicles.store.search import EntryRow

log = structlog.get_logger(__name__)

T = TypeVar("T")
UNAUTHORIZED = "a valid viewer token is required (Authorization: Bearer …)"


class PublicContext(BaseContext):
    def __init__(self, services: Services, viewer: Viewer) -> None:
        super().__init__()
        self.services = services
        self.viewer = viewer
        self.templates: DataLoader[Kind, Template | None] = DataLoader(load_fn=self._load_templates)

    async def read(self, work: Callable[[AsyncConnection[Any]], Awaitable[T]]) -> T:
        """``work`` on a search connection (autocommit, custom plans, the search settings; one round trip)."""
        return await self.services.searches.read(work)

    async def render(self, row: EntryRow) -> str | None:
        template = await self.templates.load((row.app, row.subject_type, row.action))
        if template is None:
            return None
        view = EntryView(
            app=row.app,
            subject=row.subject,
            action=row.action,
            performer=row.performer,
            payload=row.payload,
            occurred_at=row.occurred_at.astimezone(UTC).isoformat(),
        )
        return template.render(view)

    async def _load_templates(self, kinds: Sequence[Kind]) -> list[Template | None]:
        texts = await self.read(lambda conn: template_texts(conn, kinds))
        parsed = self.services.templates.parsed
        return [parsed(texts[kind]) if kind in texts else None for kind in kinds]


async def public_context(
    services: ServicesDependency, authorization: str | None = Header(default=None)
) -> PublicContext:
    """FastAPI dependency of the GraphQL route: refuses the request before any GraphQL runs."""
    return PublicContext(services, viewer_of(services, authorization))


def viewer_of(services: Services, authorization: str | None, known: VerifiedTokens | None = None) -> Viewer:
    """The viewer an ``Authorization`` header names; an UnauthenticatedError (the one message) otherwise."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    try:
        if scheme.lower() != "bearer" or not token:
            raise TokenError("no bearer token")
        viewer = known.get(token) if known is not None else None
        if viewer is None:
            viewer = verify(services.viewer_key(), token)
            if known is not None:
                known.keep(token, viewer)
        return viewer
    except TokenError as error:
        log.info("public.token_refused", reason=str(error))
        raise UnauthenticatedError(UNAUTHORIZED) from None


class VerifiedTokens:
    """Tokens whose signature and claims were checked, with their viewers, until they expire.

    A client sends the same token with every request of a session, and
    checking it (decoding, an HMAC, the claims) was a tenth of a search's own
    cost. A token is kept only once :func:`~chronicles.api.tokens.verify`
    accepted it, by its exact text (the signing key does not change while a
    process runs), and is given back only while ``verify`` would still accept
    it: its expiry, with the same leeway, is checked on every use. Bounded: the
    least recently used go first.
    """

    def __init__(self, size: int = 1024) -> None:
        self._viewers: LRUCache[str, Viewer] = LRUCache(maxsize=size)

    def get(self, token: str) -> Viewer | None:
        viewer = self._viewers.get(token)
        if viewer is None or viewer.expires_at.timestamp() <= time.time() - LEEWAY_SECONDS:
            return None
        return viewer

    def keep(self, token: str, viewer: Viewer) -> None:
        self._viewers[token] = viewer


Info = StrawberryInfo[PublicContext, None]
