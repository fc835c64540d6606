"""``practica gateway``: the environment gateway, recording each environment's activity on its row.

It serves this machine's environments and those on registered eval hosts
(:class:`practica.hosts.runtimes.RuntimeByHost`: each environment's row names its host).

The gateway itself (:mod:`practica.sandbox.gateway`) knows no database: it
is handed ``record_activity``, which keeps the cull away from an environment
whose terminal, files or ports are in use.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console

from practica.sandbox.registry import create_runtime
from practica.sandbox.runtime import SandboxError
from practica.sandbox.settings import SandboxSettings
from practica.settings import PracticaSettings
from servicekit.cli import settings_or_exit
from servicekit.logging import configure_logging

errors = Console(stderr=True)


def gateway(
    host: Annotated[str | None, typer.Option(help="Listen address (default PRACTICA_SANDBOX_GATEWAY_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default PRACTICA_SANDBOX_GATEWAY_PORT).")] = None,
) -> None:
    """Serve the environment gateway: terminals, files and ports of this host's and eval hosts' environments."""
    sandbox = settings_or_exit(SandboxSettings, "practica")
    practica = settings_or_exit(PracticaSettings, "practica")
    configure_logging(practica.log_format, practica.log_level, service="practica-gateway")
    try:
        asyncio.run(_serve_gateway(practica, sandbox, host or sandbox.gateway_host, port or sandbox.gateway_port))
    except (SandboxError, ValueError) as error:
        errors.print(f"practica: {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


async def _serve_gateway(practica: PracticaSettings, sandbox: SandboxSettings, host: str, port: int) -> None:
    import uvicorn

    from practica.environments.service import touch
    from practica.hosts.runtimes import RuntimeByHost, keep_runtimes_warm
    from practica.jobs.resources import SandboxWorker
    from practica.sandbox.gateway.app import create_gateway_app
    from servicekit.database import make_engine, make_sessionmaker

    engine = make_engine(practica.resolved_database_url(), pool_size=4, application_name="practica-gateway")
    sessions = make_sessionmaker(engine)
    runtime = RuntimeByHost(SandboxWorker(sandbox, create_runtime(sandbox)), sessions)  # this machine's and eval hosts'

    async def record_activity(env_id: str) -> None:
        async with sessions() as session, session.begin():
            await touch(session, env_id)

    app = create_gateway_app(sandbox, runtime, record_activity)
    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, server_header=False, proxy_headers=True
    )
    warming = asyncio.create_task(keep_runtimes_warm(runtime.sandbox, sessions), name="warm-host-runtimes")
    try:
        await uvicorn.Server(config).serve()
    finally:
        warming.cancel()
        await runtime.close()
        await engine.dispose()
