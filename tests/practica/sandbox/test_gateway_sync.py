"""Versions and change notifications through a real gateway: what keeps the IDE from overwriting a terminal's work."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from practica.sandbox import ExecRequest, Runtime
from tests.practica.sandbox.conftest import GatewayServer

pytestmark = pytest.mark.sandbox


@pytest.fixture
async def client(gateway: GatewayServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as made:
        yield made


def etag(data: bytes) -> str:
    return f'"{hashlib.sha256(data).hexdigest()}"'


def watch_url(gateway: GatewayServer, env_id: str, token: str | None = None) -> str:
    query = urlencode({"token": token or gateway.token(env_id)})
    return f"{gateway.url.replace('http', 'ws', 1)}/environments/{env_id}/files/watch?{query}"


async def ready(socket: ClientConnection) -> None:
    assert json.loads(await asyncio.wait_for(socket.recv(), 10)) == {"type": "ready"}


async def changes_until(socket: ClientConnection, wanted: set[tuple[str, str]], seconds: float = 10) -> list[dict]:
    """Every change received until each (path, kind) of ``wanted`` was seen."""
    seen: list[dict] = []
    deadline = time.monotonic() + seconds
    while not wanted <= {(change["path"], change["kind"]) for change in seen}:
        try:
            frame = await asyncio.wait_for(socket.recv(), max(deadline - time.monotonic(), 0.01))
        except TimeoutError:
            raise AssertionError(f"never saw {wanted}; saw {seen}") from None
        message = json.loads(frame)
        assert message["type"] == "changes"
        seen += message["changes"]
    return seen


async def sh(runtime: Runtime, env_id: str, script: str) -> None:
    result = await runtime.exec(env_id, ExecRequest(argv=["sh", "-c", script]))
    assert result.exit_code == 0, result


async def test_a_read_carries_the_version_and_a_write_answers_the_new_one(
    client: httpx.AsyncClient, gateway: GatewayServer, published_env: str
) -> None:
    auth = {"Authorization": f"Bearer {gateway.token(published_env)}"}
    files = f"/environments/{published_env}/files"
    written = await client.put(files, params={"path": "app.py"}, content=b"v1\n", headers=auth)
    assert (written.status_code, written.headers["etag"]) == (204, etag(b"v1\n"))
    read = await client.get(files, params={"path": "app.py"}, headers=auth)
    assert (read.content, read.headers["etag"], read.headers["cache-control"]) == (b"v1\n", etag(b"v1\n"), "no-store")
    again = await client.put(
        files, params={"path": "app.py"}, content=b"v2\n", headers={**auth, "If-Match": etag(b"v1\n")}
    )
    assert (again.status_code, again.headers["etag"]) == (204, etag(b"v2\n"))


async def test_a_stale_version_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, gateway: GatewayServer, published_env: str, bwrap: Runtime
) -> None:
    auth = {"Authorization": f"Bearer {gateway.token(published_env)}"}
    files = f"/environments/{published_env}/files"
    await client.put(files, params={"path": "server.py"}, content=b"print(1)\n", headers=auth)
    await sh(bwrap, published_env, "echo '# X' >> /workspace/server.py")  # the terminal's write
    stale = await client.put(
        files, params={"path": "server.py"}, content=b"print(2)\n", headers={**auth, "If-Match": etag(b"print(1)\n")}
    )
    assert stale.status_code == 412
    assert stale.headers["etag"] == etag(b"print(1)\n# X\n")
    assert stale.json()["etag"] == hashlib.sha256(b"print(1)\n# X\n").hexdigest()
    assert await bwrap.read_file(published_env, "server.py") == b"print(1)\n# X\n"


async def test_conditional_writes_on_missing_and_existing_files(
    client: httpx.AsyncClient, gateway: GatewayServer, published_env: str, bwrap: Runtime
) -> None:
    auth = {"Authorization": f"Bearer {gateway.token(published_env)}"}
    files = f"/environments/{published_env}/files"
    gone = await client.put(files, params={"path": "gone.py"}, content=b"x", headers={**auth, "If-Match": etag(b"x")})
    assert (gone.status_code, gone.json()["etag"]) == (412, None)
    with pytest.raises(FileNotFoundError):
        await bwrap.read_file(published_env, "gone.py")
    create = {**auth, "If-None-Match": "*"}
    assert (await client.put(files, params={"path": "new.py"}, content=b"a", headers=create)).status_code == 204
    twice = await client.put(files, params={"path": "new.py"}, content=b"b", headers=create)
    assert (twice.status_code, twice.headers["etag"]) == (412, etag(b"a"))
    assert await bwrap.read_file(published_env, "new.py") == b"a"


async def test_nonsense_preconditions_are_refused_by_name(
    client: httpx.AsyncClient, gateway: GatewayServer, published_env: str
) -> None:
    auth = {"Authorization": f"Bearer {gateway.token(published_env)}"}
    files = f"/environments/{published_env}/files"
    for headers in ({"If-Match": "abc"}, {"If-None-Match": '"x"'}, {"If-Match": etag(b""), "If-None-Match": "*"}):
        refused = await client.put(files, params={"path": "p.py"}, content=b"x", headers={**auth, **headers})
        assert refused.status_code == 400
        assert "If-" in refused.json()["detail"]


async def test_a_terminal_write_a_delete_and_a_rename_are_reported(
    gateway: GatewayServer, published_env: str, bwrap: Runtime
) -> None:
    await bwrap.write_file(published_env, "server.py", b"print(1)\n")
    async with connect(watch_url(gateway, published_env)) as socket:
        await ready(socket)
        await sh(bwrap, published_env, "echo '# X' >> /workspace/server.py")
        await changes_until(socket, {("server.py", "modified")})
        await sh(bwrap, published_env, "mv /workspace/server.py /workspace/main.py")
        await changes_until(socket, {("server.py", "moved"), ("main.py", "created")})
        await sh(bwrap, published_env, "rm /workspace/main.py")
        await changes_until(socket, {("main.py", "deleted")})


async def test_files_made_in_a_new_directory_are_reported(
    gateway: GatewayServer, published_env: str, bwrap: Runtime
) -> None:
    async with connect(watch_url(gateway, published_env)) as socket:
        await ready(socket)
        await sh(bwrap, published_env, "mkdir -p /workspace/pkg/sub && echo hi > /workspace/pkg/sub/mod.py")
        await changes_until(socket, {("pkg", "created"), ("pkg/sub/mod.py", "created")})
        await sh(bwrap, published_env, "echo again >> /workspace/pkg/sub/mod.py")  # now watched itself
        await changes_until(socket, {("pkg/sub/mod.py", "modified")})


async def test_a_burst_of_writes_comes_as_few_batches(
    gateway: GatewayServer, published_env: str, bwrap: Runtime
) -> None:
    async with connect(watch_url(gateway, published_env)) as socket:
        await ready(socket)
        burst = "for i in $(seq 2000); do echo $i >> /workspace/log.txt; done; touch /workspace/end"
        await sh(bwrap, published_env, burst)
        seen = await changes_until(socket, {("end", "created")})
    log_changes = [change for change in seen if change["path"] == "log.txt"]
    assert 1 <= len(log_changes) < 50  # 4000 inotify events, merged per path and period


async def test_the_socket_closes_when_the_environment_stops(
    gateway: GatewayServer, bwrap: Runtime, published_env: str
) -> None:
    async with connect(watch_url(gateway, published_env)) as socket:
        await ready(socket)
        await bwrap.stop(published_env)
        await asyncio.wait_for(socket.wait_closed(), 10)
        assert socket.close_code == 4409
    await bwrap.resume(published_env)
