"""The web app factory: the app's services (settings, database, caches), jobs and routes wired together."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from practica import __version__
from practica.accounts import dev_mail
from practica.accounts import routes as accounts_routes
from practica.accounts.csrf import CSRFMiddleware
from practica.admin import routes as admin_routes
from practica.authoring import routes as authoring_routes
from practica.errors import PracticaError
from practica.jobs.queue import QUEUES
from practica.learning import routes as learning_routes
from practica.monitoring.exporter import SystemMetrics
from practica.organizations import routes as organizations_routes
from practica.sandbox.settings import SandboxSettings
from practica.services import Services, services_of
from practica.settings import PracticaSettings
from practica.web import spa, system
from practica.web.security_headers import web_app_headers
from servicekit.guard import install_input_guard
from servicekit.http import install_observability, ping_router
from servicekit.logging import configure_logging
from servicekit.path_headers import PathHeadersMiddleware, constant
from servicekit.settings import load_settings, settings_summary

STATIC_DIR = Path(__file__).resolve().parent / "static"
log = structlog.get_logger(__name__)


def create_app(
    settings: PracticaSettings | None = None,
    *,
    static_dir: Path = STATIC_DIR,
    sandbox_settings: SandboxSettings | None = None,
) -> FastAPI:
    settings = settings or load_settings(PracticaSettings)
    configure_logging(settings.log_format, settings.log_level, service="practica-web")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info("practica.web.start", **settings_summary(settings))
        gc.freeze()  # what start-up made lives for good: the collector stops walking it (shorter pauses)
        yield
        await dispose(app)

    app = FastAPI(title="Practica", version=__version__, lifespan=lifespan)
    services = Services.start(settings, sandbox_settings=sandbox_settings)
    app.state.services = services  # everything the app keeps between requests: routes take it as a dependency
    app.add_middleware(CSRFMiddleware)  # innermost: refusals still get request ids and metrics
    install_input_guard(app)  # NUL bytes and out-of-range ids: 422 naming the parameter, on every route
    headers = web_app_headers(settings, services.sandbox_settings)
    app.add_middleware(PathHeadersMiddleware, headers_for=constant(headers))
    install_system_metrics(app, settings)
    trust_forwarded_headers(app, settings)
    app.add_exception_handler(PracticaError, _refusal)
    app.include_router(ping_router(_engine))
    app.include_router(system.router, prefix="/api")
    app.include_router(learning_routes.router)
    app.include_router(accounts_routes.router)
    app.include_router(organizations_routes.router)
    app.include_router(authoring_routes.router)
    app.include_router(admin_routes.router)
    app.include_router(dev_mail.router)
    app.include_router(accounts_routes.mail_router)
    spa.mount(app, static_dir)
    return app


def install_system_metrics(app: FastAPI, settings: PracticaSettings) -> None:
    """HTTP metrics, and the queue, check and disk figures read at each scrape (:mod:`practica.monitoring`)."""
    registry = CollectorRegistry()
    system = SystemMetrics(registry, settings.practica_home, QUEUES)

    async def refresh(request: Request) -> None:
        await system.refresh(_engine(request))

    install_observability(app, registry, namespace="practica", refresh=refresh)


async def _refusal(request: Request, error: Exception) -> Response:
    """Every domain's :class:`PracticaError`, answered in one place: its status, ``{"detail", **extra}``, headers."""
    assert isinstance(error, PracticaError)
    return JSONResponse({"detail": error.detail, **error.extra}, status_code=error.status, headers=error.headers)


def trust_forwarded_headers(app: FastAPI, settings: PracticaSettings) -> None:
    """Take the client's address and scheme from ``X-Forwarded-*`` only when a trusted proxy sent them.

    Outermost, so request ids, metrics, rate limits and cookies all see the
    same client. With ``PRACTICA_TRUSTED_PROXIES`` unset nothing is added and
    the connecting address is the client: a client's own ``X-Forwarded-For``
    would otherwise let it choose a new address per request and escape the
    per-address rate limits. Through a chain, the client is the rightmost
    address not itself a trusted proxy, so a client cannot prepend one either.
    """
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)


async def dispose(app: FastAPI) -> None:
    """Close the app's database connections (the lifespan does; tests that skip it call this)."""
    services = app.state.services
    assert isinstance(services, Services)
    await services.close()


def _engine(request: Request) -> AsyncEngine:
    return services_of(request).database.engine
