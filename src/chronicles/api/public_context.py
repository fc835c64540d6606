"""Who is asking the public API, and what its resolvers share while one request runs.

Every request must carry ``Authorization: Bearer <viewer token>``; without a
valid one the answer is 401 before any GraphQL runs, with the same message
whatever was wrong (the reason only goes to the log). Entry texts come from
the ``templates`` table through a per-request DataLoader: one query for all
the (app, subject type, action) kinds on a page.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC

import structlog
from fastapi import Header, Request
from psycopg import AsyncConnection
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from chronicles.api.tokens import TokenError, Viewer, signing_key, verify
from chronicles.errors import UnauthenticatedError
from chronicles.observability import Metrics
from chronicles.rules.placeholders import EntryView, PlaceholderError, Template
from chronicles.settings import ChroniclesSettings
from chronicles.store.search import SEARCH_SETTINGS, EntryRow
from chronicles.store.search_plan import Statistics

log = structlog.get_logger(__name__)

TEMPLATES = """
SELECT t.app, t.subject_type, t.action, t.text
FROM templates AS t
JOIN unnest(%(app)s::text[], %(subject_type)s::text[], %(action)s::text[]) AS k(app, subject_type, action)
  ON t.app = k.app AND t.subject_type = k.subject_type AND t.action = k.action
"""
UNAUTHORIZED = "a valid viewer token is required (Authorization: Bearer …)"

Kind = tuple[str, str, str]  # (app, subject_type, action)


class PublicService:
    """Per app: the settings, the signing key (read once) and the planner's statistics."""

    def __init__(self, settings: ChroniclesSettings) -> None:
        self.settings = settings
        self.stats = Statistics()
        self._key: str | None = None

    def key(self) -> str:
        if self._key is None:
            self._key = signing_key(self.settings)
        return self._key

    async def context(self, request: Request, authorization: str | None = Header(default=None)) -> PublicContext:
        """FastAPI dependency of the GraphQL route: refuses the request before any GraphQL runs."""
        scheme, _, token = (authorization or "").partition(" ")
        try:
            if scheme.lower() != "bearer" or not token.strip():
                raise TokenError("no bearer token")
            viewer = verify(self.key(), token.strip())
        except TokenError as error:
            log.info("public.token_refused", reason=str(error))
            raise UnauthenticatedError(UNAUTHORIZED) from None
        return PublicContext(self, request.app.state.engine, request.app.state.metrics, viewer)


class PublicContext(BaseContext):
    def __init__(self, service: PublicService, engine: AsyncEngine, metrics: Metrics, viewer: Viewer) -> None:
        super().__init__()
        self.service = service
        self.engine = engine
        self.metrics = metrics
        self.viewer = viewer
        self.templates: DataLoader[Kind, Template | None] = DataLoader(load_fn=self._load_templates)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A connection from the service's pool (no server-side prepares, custom plans), in a transaction."""
        async with self.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            conn: AsyncConnection = raw.driver_connection  # type: ignore[assignment]
            await conn.execute(SEARCH_SETTINGS)
            yield conn

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
        columns = {"app": [k[0] for k in kinds], "subject_type": [k[1] for k in kinds], "action": [k[2] for k in kinds]}
        async with self.connection() as conn:
            rows = await (await conn.execute(TEMPLATES, columns, prepare=False)).fetchall()
        texts = {(app, subject_type, action): text for app, subject_type, action, text in rows}
        return [_parsed(texts[kind]) if kind in texts else None for kind in kinds]


@functools.lru_cache(maxsize=1024)
def _parsed(source: str) -> Template | None:
    try:
        return Template.parse(source)
    except PlaceholderError as error:  # saved before a stricter parser: show no text rather than fail
        log.error("public.invalid_stored_template", error=str(error))
        return None


Info = StrawberryInfo[PublicContext, None]
