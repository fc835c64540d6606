"""ASGI pieces both web services use: request ids, metrics and ``/ping``."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
log = structlog.get_logger(__name__)


class HttpMetrics:
    """Request counters and latency histograms, labelled by route template."""

    def __init__(self, registry: CollectorRegistry, namespace: str) -> None:
        self.requests = Counter(
            "http_requests",
            "HTTP requests handled",
            ["method", "route", "status"],
            namespace=namespace,
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            namespace=namespace,
            registry=registry,
        )

    def record(self, scope: Scope, status: int, seconds: float) -> None:
        template = getattr(scope.get("route"), "path", "unmatched")
        self.requests.labels(scope["method"], template, str(status)).inc()
        self.latency.labels(scope["method"], template).observe(seconds)


class ObservabilityMiddleware:
    """A request id on every log line of a request and on its answer, and the request's metrics.

    Plain ASGI (not ``BaseHTTPMiddleware``, which costs a task and a stream per
    request), and one layer for both jobs: each layer wraps ``send`` again,
    and on a hot path that shows. The status comes from the response's start
    message, the route from the routed scope.
    """

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = (Headers(scope=scope).get(REQUEST_ID_HEADER) or uuid.uuid4().hex)[:64]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            self.metrics.record(scope, status, time.perf_counter() - started)


Refresh = Callable[[Request], Awaitable[None]]


def install_observability(
    app: FastAPI, registry: CollectorRegistry, namespace: str, *, refresh: Refresh | None = None
) -> None:
    """Add request ids, HTTP metrics and ``GET /metrics`` to ``app``.

    ``refresh`` runs before each scrape: figures read from the database (queue
    age, consumer lag) are as fresh as the scrape, and every replica of a
    service reports the same ones.
    """
    app.add_middleware(ObservabilityMiddleware, metrics=HttpMetrics(registry, namespace))

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics(request: Request) -> Response:
        if refresh is not None:
            await refresh(request)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def ping_router(engine_of: Callable[[Request], AsyncEngine]) -> APIRouter:
    """``GET /ping``: 200 when the database answers, 503 when it does not."""
    router = APIRouter()

    @router.get("/ping", tags=["health"])
    async def ping(request: Request, response: Response) -> dict[str, str]:
        try:
            async with engine_of(request).connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as error:  # any failure to reach the database is "down"
            log.warning("ping.database_unreachable", error=str(error))
            response.status_code = 503
            return {"status": "unavailable", "database": "unreachable"}
        return {"status": "ok", "database": "ok"}

    return router
