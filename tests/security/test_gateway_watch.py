"""The file-watch WebSocket against what a learner (or anyone holding a URL) can send it, on a real gateway."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from practica.sandbox import ExecRequest, Runtime
from practica.sandbox.gateway import GatewayAction
from practica.sandbox.watch import MAX_PENDING
from tests.practica.sandbox.conftest import GatewayServer

pytestmark = pytest.mark.sandbox
Served = tuple[GatewayServer, Runtime]


def url(gateway: GatewayServer, env_id: str, token: str | None) -> str:
    query = f"?{urlencode({'token': token})}" if token is not None else ""
    return f"{gateway.url.replace('http', 'ws', 1)}/environments/{env_id}/files/watch{query}"


async def refused(address: str) -> int:
    with pytest.raises(InvalidStatus) as refusal:
        async with connect(address):
            pass
    return refusal.value.response.status_code


async def sh(runtime: Runtime, env_id: str, script: str) -> None:
    result = await runtime.exec(env_id, ExecRequest(argv=["sh", "-c", script], timeout=60))
    assert result.exit_code == 0, result


async def batches_until(socket: ClientConnection, paths: set[str], seconds: float = 60) -> list[list[dict]]:
    """Every batch until one reports one of ``paths`` ("" is an overflow)."""
    batches: list[list[dict]] = []
    deadline = time.monotonic() + seconds
    while not any(change["path"] in paths for batch in batches for change in batch):
        message = json.loads(await asyncio.wait_for(socket.recv(), max(deadline - time.monotonic(), 0.01)))
        if message["type"] == "changes":
            batches.append(message["changes"])
    return batches


async def test_no_token_is_refused(watch_gateway: Served, watched_env: str) -> None:
    assert await refused(url(watch_gateway[0], watched_env, None)) == 401


async def test_a_forged_token_is_refused(watch_gateway: Served, watched_env: str) -> None:
    assert await refused(url(watch_gateway[0], watched_env, "eyJhbGciOiJIUzI1NiJ9.e30.x")) == 401


async def test_another_environments_token_is_refused(watch_gateway: Served, watched_env: str) -> None:
    gateway = watch_gateway[0]
    assert await refused(url(gateway, watched_env, gateway.token("0123456789abcdef"))) == 403


async def test_a_token_without_the_read_grant_is_refused(watch_gateway: Served, watched_env: str) -> None:
    gateway = watch_gateway[0]
    terminal_only = gateway.token(watched_env, actions=(GatewayAction.TERMINAL,))
    assert await refused(url(gateway, watched_env, terminal_only)) == 403


async def test_more_watches_than_allowed_are_refused(watch_gateway: Served, watched_env: str) -> None:
    gateway = watch_gateway[0]
    address = url(gateway, watched_env, gateway.token(watched_env))
    async with connect(address) as first, connect(address) as second:
        for socket in (first, second):
            assert json.loads(await socket.recv()) == {"type": "ready"}
        assert await refused(address) == 429
    async with connect(address) as again:  # closed ones give their place back
        assert json.loads(await again.recv()) == {"type": "ready"}


async def test_a_symlink_out_of_the_workspace_is_not_followed(watch_gateway: Served, watched_env: str) -> None:
    gateway, runtime = watch_gateway
    await sh(runtime, watched_env, "mkdir -p /tmp/outside && ln -s /tmp/outside /workspace/before")
    async with connect(url(gateway, watched_env, gateway.token(watched_env))) as socket:
        assert json.loads(await socket.recv()) == {"type": "ready"}
        await sh(runtime, watched_env, "ln -s /tmp /workspace/after && ln -s / /workspace/root")
        await sh(runtime, watched_env, "echo x > /tmp/outside/secret; echo y > /tmp/other; touch /workspace/marker")
        seen = [change["path"] for batch in await batches_until(socket, {"marker"}) for change in batch]
    assert not [path for path in seen if path.startswith(("before/", "after/", "root/"))], seen
    assert {"after", "root", "marker"} <= set(seen)


async def test_a_flood_of_new_files_is_bounded(watch_gateway: Served, watched_env: str) -> None:
    gateway, runtime = watch_gateway
    async with connect(url(gateway, watched_env, gateway.token(watched_env))) as socket:
        assert json.loads(await socket.recv()) == {"type": "ready"}
        await sh(runtime, watched_env, "mkdir /workspace/f && cd /workspace/f && for i in $(seq 5000); do : > $i; done")
        batches = await batches_until(socket, {""})  # an overflow: too many to list
        for attempt in range(20):  # and then the watch goes on (a touch may still fall in the backlog's overflow)
            await sh(runtime, watched_env, f"touch /workspace/end{attempt}")
            batches += await batches_until(socket, {f"end{attempt}", ""})
            if any(change["path"] == f"end{attempt}" for change in batches[-1]):
                break
        else:
            raise AssertionError("the watch reported nothing after the flood")
    assert max(len(batch) for batch in batches) <= MAX_PENDING + 1
    assert len(batches) < 5000 // MAX_PENDING  # merged, not one message per file


async def test_more_directories_than_the_cap_degrade_to_overflows(watch_gateway: Served, watched_env: str) -> None:
    gateway, runtime = watch_gateway
    await sh(runtime, watched_env, "cd /workspace && mkdir -p $(seq -f 'd%g/e' 100)")  # 200 directories, cap 20
    async with connect(url(gateway, watched_env, gateway.token(watched_env))) as socket:
        assert json.loads(await socket.recv()) == {"type": "ready"}
        message = json.loads(await asyncio.wait_for(socket.recv(), 20))  # nothing changed: the timer's overflow
    assert message == {"type": "changes", "changes": [{"path": "", "kind": "overflow"}]}
