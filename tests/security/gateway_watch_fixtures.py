"""A real gateway over bwrap environments, with small watch limits, for the file-watch security cases."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator

import pytest
import uvicorn

from practica.sandbox import EnvironmentSpec, create_runtime
from practica.sandbox.gateway import create_gateway_app
from practica.sandbox.runtime import Runtime
from practica.sandbox.settings import SandboxSettings
from tests.conftest import free_port, remove_home, require_tool
from tests.practica.conftest import traversable_home
from tests.practica.sandbox.conftest import TEST_LIMITS, GatewayServer

WATCH_DIRECTORIES, WATCH_PER_ENVIRONMENT, WATCH_TOTAL = 20, 2, 8


@pytest.fixture(scope="session")
async def watch_gateway() -> AsyncIterator[tuple[GatewayServer, Runtime]]:
    """The gateway (uvicorn on a free port) and the runtime a worker would use, sharing one home."""
    require_tool(shutil.which("bwrap") is not None, "bubblewrap")
    require_tool(os.geteuid() == 0, "root (cgroups, loop mounts, per-environment uids)")
    home = traversable_home("practica-watch-security-")
    settings = SandboxSettings(
        home=home,
        uid_base=5_000_000 + (os.getpid() % 1000) * 1000,
        uid_count=1000,
        watch_directories=WATCH_DIRECTORIES,
        watch_per_environment=WATCH_PER_ENVIRONMENT,
        watch_total=WATCH_TOTAL,
    )
    jobs_runtime, gateway_runtime = create_runtime(settings, "bwrap"), create_runtime(settings, "bwrap")
    server = uvicorn.Server(
        uvicorn.Config(
            create_gateway_app(settings, gateway_runtime),
            host="127.0.0.1",
            port=(port := free_port()),
            log_config=None,
            access_log=False,
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        assert not serving.done(), "the gateway did not start"
        await asyncio.sleep(0.02)
    yield GatewayServer(f"http://127.0.0.1:{port}", settings, []), jobs_runtime
    server.should_exit = True
    await serving
    for info in await jobs_runtime.list_environments():
        await jobs_runtime.remove(info.id)
    remove_home(home)


@pytest.fixture
async def watched_env(watch_gateway: tuple[GatewayServer, Runtime]) -> AsyncIterator[str]:
    runtime = watch_gateway[1]
    info = await runtime.create(EnvironmentSpec(limits=TEST_LIMITS))
    yield info.id
    await runtime.remove(info.id)
