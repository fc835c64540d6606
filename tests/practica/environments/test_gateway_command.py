"""``practica gateway`` as its own process, beside a worker: it serves what the worker started, and
its terminal's activity keeps the environment from being culled."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from practica.sandbox.gateway import issue_gateway_token
from tests.conftest import free_port, running_service
from tests.practica.environments.conftest import Platform
from tests.practica.sandbox.test_gateway_terminal import read_until

pytestmark = pytest.mark.sandbox


@pytest.fixture
def gateway_process(platform: Platform, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    settings = platform.settings
    env = {
        **os.environ,
        "DATABASE_URL": platform.url,
        "PRACTICA_SANDBOX_HOME": str(settings.home),
        "PRACTICA_SANDBOX_UID_BASE": str(settings.uid_base),
        "PRACTICA_SANDBOX_UID_COUNT": str(settings.uid_count),
    }
    command = [sys.executable, "-m", "practica", "gateway", "--port", str(port)]
    with running_service(command, env, f"http://127.0.0.1:{port}", log=tmp_path / "gateway.log") as base:
        yield base


async def test_the_gateway_command_serves_the_workers_environments(platform: Platform, gateway_process: str) -> None:
    env_id = await platform.request()
    await platform.run_jobs()
    await platform.sql("UPDATE learner_environments SET last_active_at = now() - interval '10 minutes'")
    token = issue_gateway_token(platform.settings, "7", env_id)  # the key the gateway made, in the shared home
    url = f"{gateway_process.replace('http', 'ws', 1)}/environments/{env_id}/terminal?token={token}"
    async with connect(url) as socket:
        await socket.send(b"echo from-$((40+2))\n")
        await read_until(socket, b"from-42")
    started = (await platform.row(env_id)).started_at
    assert started is not None
    for _ in range(50):
        if (await platform.row(env_id)).last_active_at > started:
            break
        await asyncio.sleep(0.1)
    assert (await platform.row(env_id)).last_active_at > started
