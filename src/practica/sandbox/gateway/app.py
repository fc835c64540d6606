"""The environment gateway: terminals, files and published ports of the environments on this host.

One per eval host, beside the runtime (it execs into environments and opens
their files directly). It trusts nothing but the short-lived tokens the web
app issues (:mod:`practica.sandbox.gateway.tokens`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import CollectorRegistry
from starlette.responses import JSONResponse

from practica.sandbox.gateway import files, ports, terminal, watch
from practica.sandbox.gateway.activity import Activity, ActivitySink
from practica.sandbox.gateway.headers import gateway_headers
from practica.sandbox.gateway.sessions import TerminalHub
from practica.sandbox.gateway.state import Gateway
from practica.sandbox.gateway.tokens import gateway_key
from practica.sandbox.gateway.watch_slots import WatchSlots
from practica.sandbox.runtime import (
    EnvironmentNotFoundError,
    EnvironmentNotRunningError,
    PathRefusedError,
    PortUnreachableError,
    Runtime,
)
from practica.sandbox.settings import SandboxSettings
from servicekit.guard import install_input_guard
from servicekit.http import install_observability
from servicekit.path_headers import PathHeadersMiddleware

ERRORS: dict[type[Exception], int] = {
    PathRefusedError: 400,
    FileNotFoundError: 404,
    EnvironmentNotFoundError: 404,
    EnvironmentNotRunningError: 409,
    PortUnreachableError: 502,
}


async def _error(request: Request, error: Exception) -> JSONResponse:
    status = next(code for kind, code in ERRORS.items() if isinstance(error, kind))
    detail = "no such file or directory" if isinstance(error, FileNotFoundError) else str(error)
    return JSONResponse({"detail": detail}, status_code=status)


def create_gateway_app(settings: SandboxSettings, runtime: Runtime, activity: ActivitySink | None = None) -> FastAPI:
    """The gateway for ``runtime``'s environments; ``activity`` is told which environments are in use."""
    state = Gateway(
        settings=settings,
        runtime=runtime,
        key=gateway_key(settings),
        terminals=TerminalHub(runtime, settings.terminal_replay, settings.terminal_grace.total_seconds()),
        activity=Activity(activity),
        watches=WatchSlots(settings.watch_per_environment, settings.watch_total),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await state.terminals.close()
        await state.activity.close()

    app = FastAPI(
        title="Practica environment gateway", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.gateway = state
    install_input_guard(app, exempt=ports.is_published_port)  # inside CORS: the IDE reads its refusals
    app.add_middleware(PathHeadersMiddleware, headers_for=gateway_headers(settings, ports.is_published_port))
    app.add_middleware(
        CORSMiddleware,  # the IDE's pages come from the web app's origin; tokens, not cookies, authorise
        allow_origins=settings.allowed_origins,
        allow_methods=["GET", "PUT", "POST", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "If-Match", "If-None-Match"],
        expose_headers=["ETag"],  # the IDE saves conditionally on the version it read
        max_age=600,
    )
    install_observability(app, CollectorRegistry(), namespace="gateway")  # outermost: every answer counted
    for kind in ERRORS:
        app.add_exception_handler(kind, _error)
    app.include_router(files.router)
    app.include_router(ports.router)
    app.include_router(terminal.router)
    app.include_router(watch.router)

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok", "host": settings.host_name, "runtime": runtime.name}

    return app
