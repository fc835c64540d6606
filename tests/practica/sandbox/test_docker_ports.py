"""Published ports of the docker runtime, reached through the engine's API by the exec agent's relay.

The conformance suite (``test_conformance_interactive.py``) checks that a
server answers and a closed port is refused; here, that the relay is the
agent's (no namespace of the engine's host entered), carries a large
exchange both ways byte for byte, and ends with its connection.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator

import pytest

from practica.sandbox import EnvironmentSpec, ExecRequest, create_runtime
from practica.sandbox.docker_runtime import DockerRuntime
from practica.sandbox.runtime import PortUnreachableError
from practica.sandbox.settings import SandboxSettings
from tests.practica.sandbox.conftest import TEST_LIMITS

RELAYS = ["sh", "-c", "ps -eo args | grep -c '^/.practica/exec-agent --dial' || true"]
# Echoes what it reads back, upper-cased, until the client's end; one connection at a time.
ECHO_SERVER = """
import socket
server = socket.create_server(("127.0.0.1", 9000))
while True:
    conn, _ = server.accept()
    with conn:
        while data := conn.recv(65536):
            conn.sendall(data.upper())
"""


@pytest.fixture
async def docker(sandbox_settings: SandboxSettings, podman_url: str) -> AsyncIterator[DockerRuntime]:
    runtime = create_runtime(sandbox_settings.model_copy(update={"docker_url": podman_url}), "docker")
    assert isinstance(runtime, DockerRuntime)
    yield runtime
    await runtime.close()


@pytest.fixture
async def env(docker: DockerRuntime) -> AsyncIterator[str]:
    info = await docker.create(EnvironmentSpec(limits=TEST_LIMITS))
    await docker.write_file(info.id, "echo.py", ECHO_SERVER.encode())
    await docker.exec(info.id, ExecRequest(argv=["sh", "-c", "(python3 echo.py >/dev/null 2>&1 &)"]))
    yield info.id
    await docker.remove(info.id)


async def connect(docker: DockerRuntime, env: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    for _ in range(200):
        try:
            return await docker.connect_port(env, 9000)
        except PortUnreachableError:
            await asyncio.sleep(0.05)
    raise AssertionError("the echo server never listened")


async def relays(docker: DockerRuntime, env: str) -> bytes:
    return (await docker.exec(env, ExecRequest(argv=RELAYS))).stdout


async def test_a_large_exchange_crosses_the_relay_byte_for_byte(docker: DockerRuntime, env: str) -> None:
    sent = bytes(range(97, 123)) * 80_000  # 2 MB of a-z
    reader, writer = await connect(docker, env)
    assert await relays(docker, env) == b"1\n", "the connection is the agent's relay inside the container"

    async def send() -> None:
        writer.write(sent)
        await writer.drain()
        assert writer.can_write_eof()
        writer.write_eof()

    received, _ = await asyncio.wait_for(asyncio.gather(reader.read(), send()), 60)
    writer.close()

    assert len(received) == len(sent)
    assert hashlib.sha256(received).digest() == hashlib.sha256(sent.upper()).digest()


async def test_the_relay_ends_with_its_connection(docker: DockerRuntime, env: str) -> None:
    for _ in range(3):
        reader, writer = await connect(docker, env)
        writer.write(b"ping")
        assert await reader.readexactly(4) == b"PING"
        writer.close()
        await writer.wait_closed()
    for _ in range(100):
        if await relays(docker, env) == b"0\n":
            break
        await asyncio.sleep(0.1)
    assert await relays(docker, env) == b"0\n", "no relay outlives its connection"


async def test_a_port_nobody_listens_on_is_refused_with_the_reason(docker: DockerRuntime, env: str) -> None:
    with pytest.raises(PortUnreachableError, match=r"nothing answers on port 9001 .*connection refused"):
        await docker.connect_port(env, 9001)
