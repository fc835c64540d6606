"""The Chronicles service factory: the services object, the middleware, the routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncEngine

from chronicles import __version__
from chronicles.api import errors as api_errors
from chronicles.api import intake
from chronicles.api.internal import schema as internal_api
from chronicles.api.public import schema as public_api
from chronicles.api.public.endpoint import PublicGraphQL
from chronicles.api.services import Services, request_services
from chronicles.console import web as console
from chronicles.settings import ChroniclesSettings
from servicekit.body_limit import BodyLimitMiddleware
from servicekit.guard import install_input_guard
from servicekit.http import install_observability, ping_router
from servicekit.logging import configure_logging
from servicekit.security_headers import API_CSP, SecurityHeadersMiddleware
from servicekit.settings import load_settings, settings_summary

log = structlog.get_logger(__name__)

# Bodies are refused with 413 while they stream in, before any route reads them.
BODY_LIMITS = {
    intake.PATH: intake.MAX_BODY_BYTES,
    public_api.PATH: public_api.MAX_BODY_BYTES,
    internal_api.PATH: internal_api.MAX_BODY_BYTES,
}
OTHER_BODIES_MAX_BYTES = 64 * 1024  # /ping, /metrics and /openapi.json take none


def create_app(settings: ChroniclesSettings | None = None) -> FastAPI:
    settings = settings or load_settings(ChroniclesSettings)
    configure_logging(settings.log_format, settings.log_level, service="chronicles")
    services = Services.start(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info("chronicles.start", **settings_summary(settings))
        for warning in settings.warnings():
            log.warning("chronicles.unsafe_setting", warning=warning)
        yield
        await services.close()

    # No Swagger/ReDoc pages: an API has no pages (and its CSP would block them); /openapi.json stays.
    app = FastAPI(title="Chronicles", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.services = services
    app.state.engine = services.engine  # the same pool, for callers that drop an app whose lifespan never ran
    api_errors.install(app)
    public_router = public_api.router(settings)
    # Innermost: POST /graphql is answered here, inside every middleware below, without FastAPI's routing.
    app.add_middleware(PublicGraphQL, router=public_router, services=services, path=public_api.PATH)
    install_input_guard(app, json_bodies=_own_checks)
    # Added innermost first: request ids and metrics see every answer, the 413s and the headers included.
    app.add_middleware(BodyLimitMiddleware, limits=BODY_LIMITS, default=OTHER_BODIES_MAX_BYTES)
    app.add_middleware(SecurityHeadersMiddleware, content_security_policy=API_CSP)
    install_observability(app, services.metrics.registry, namespace="chronicles", refresh=_read_ingestion)
    app.include_router(ping_router(_engine))
    app.include_router(intake.router)  # POST /entries (producer tokens)
    app.include_router(internal_api.router())  # POST /internal/graphql (admin token)
    app.include_router(public_router)  # POST /graphql (viewer tokens): its OpenAPI and the unusual requests
    console.mount(app)  # GET /console/ (the operators' page; its calls carry the admin token)
    return app


async def _read_ingestion(request: Request) -> None:
    """Consumer lag and pending dead letters from the database (every consume process reports there), and the
    read replica's lag."""
    services = request_services(request)
    status = await services.ingestion_status()
    lags = ((row.consumer_group, row.topic, row.partition, row.lag) for row in status.consumers)
    services.metrics.show_ingestion(lags, status.dead_letters_pending)
    if status.replica is not None:
        services.metrics.show_replica(status.replica.reachable, status.replica.lag_seconds)


def _own_checks(_path: str) -> bool:
    """JSON bodies are left to Chronicles: GraphQL answers a NUL byte in a variable with an error naming the
    field, and the intake keeps a bad item as that item's error (a dead letter), not the whole body's."""
    return False


def _engine(request: Request) -> AsyncEngine:
    return request_services(request).engine
