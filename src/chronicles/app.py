"""The Chronicles service factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncEngine

from chronicles import __version__
from chronicles.api import internal as internal_api
from chronicles.api import public as public_api
from chronicles.ingest import http as ingest_http
from chronicles.ingest.service import Ingestor
from chronicles.observability import Metrics
from chronicles.settings import ChroniclesSettings
from servicekit.database import make_engine, make_sessionmaker
from servicekit.guard import install_input_guard
from servicekit.http import install_observability, ping_router
from servicekit.logging import configure_logging
from servicekit.settings import load_settings, settings_summary

log = structlog.get_logger(__name__)


def create_app(settings: ChroniclesSettings | None = None) -> FastAPI:
    settings = settings or load_settings(ChroniclesSettings)
    configure_logging(settings.log_format, settings.log_level, service="chronicles")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info("chronicles.start", **settings_summary(settings))
        yield
        await app.state.engine.dispose()

    app = FastAPI(title="Chronicles", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = make_engine(
        settings.resolved_database_url(),
        pool_size=settings.chronicles_db_pool_size,
        application_name="chronicles",
        custom_plans=True,
    )
    app.state.sessions = make_sessionmaker(app.state.engine)
    app.state.metrics = Metrics()
    app.state.ingestor = Ingestor(app.state.metrics)
    install_input_guard(app, json_bodies=_own_checks)
    install_observability(app, app.state.metrics.registry, namespace="chronicles")
    app.include_router(ping_router(_engine))
    app.include_router(ingest_http.router)
    app.include_router(internal_api.router)  # POST /internal/graphql (admin token)
    app.include_router(public_api.router(settings))  # POST /graphql (viewer tokens)
    return app


def _own_checks(_path: str) -> bool:
    """JSON bodies are left to Chronicles: GraphQL answers a NUL byte in a variable with an error naming the
    field, and the intake keeps a bad item as that item's error (a dead letter), not the whole body's."""
    return False


def _engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine
