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
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

REQUEST_ID_HEADER = "X-Request-ID"
log = structlog.get_logger(__name__)


class RequestIdMiddleware(BaseHTTPMiddleware):
    """Bind a request id to every log line of a request and echo it back."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        request_id = request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex
        request_id = request_id[:64]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            response = await call_next(request)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
        response.headers[REQUEST_ID_HEADER] = request_id
        return response


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

    def middleware(self) -> Callable[[Request, RequestResponseEndpoint], Awaitable[Response]]:
        async def measure(request: Request, call_next: RequestResponseEndpoint) -> Response:
            started = time.perf_counter()
            response = await call_next(request)
            route = request.scope.get("route")
            template = getattr(route, "path", "unmatched")
            self.requests.labels(request.method, template, str(response.status_code)).inc()
            self.latency.labels(request.method, template).observe(time.perf_counter() - started)
            return response

        return measure


def install_observability(app: FastAPI, registry: CollectorRegistry, namespace: str) -> None:
    """Add request ids, HTTP metrics and ``GET /metrics`` to ``app``."""
    metrics = HttpMetrics(registry, namespace)
    app.add_middleware(BaseHTTPMiddleware, dispatch=metrics.middleware())
    app.add_middleware(RequestIdMiddleware)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
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
