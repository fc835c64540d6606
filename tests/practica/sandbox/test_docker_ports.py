"""Published ports of the docker runtime, reached through the engine's API by the exec agent's relay.

The runtime uses the relay when it cannot enter the container's network
namespace (not root, or the engine on another machine); the tests turn the
namespace path off to run the relay as root.

The conformance suite (``test_conformance_interactive.py``) checks that a
server answers and a closed port is refused; here, that a connection is an
agent process in the container (no namespace of the engine's host entered)
that ends with it, that a large exchange crosses it both ways byte for byte,
and that a refused port leaves the session usable.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator

import pytest

from practica.sandbox import EnvironmentSpec, ExecRequest, create_runtime
from practica.sandbox.docker_agent import MAX_IDLE_SESSIONS
from practica.sandbox.docker_runtime import DockerRuntime
from practica.sandbox.runtime import PortUnreachableError
from practica.sandbox.settings import SandboxSettings
from tests.practica.sandbox.conftest import TEST_LIMITS

AGENTS = ["sh", "-c", "ps -eo args | grep -c '^/.practica/exec-agent' || true"]
# Echoes what it reads back, upper-cased, until the client's end; a thread per connection.
ECHO_SERVER = """
import socketserver

class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while data := self.request.recv(65536):
            self.request.sendall(data.upper())

socketserver.ThreadingTCPServer.daemon_threads = True
socketserver.ThreadingTCPServer(("127.0.0.1", 9000), Echo).serve_forever()
"""


@pytest.fixture
async def docker(sandbox_settings: SandboxSettings, podman_url: str) -> AsyncIterator[DockerRuntime]:
    runtime = create_runtime(sandbox_settings.model_copy(update={"docker_url": podman_url}), "docker")
    assert isinstance(runtime, DockerRuntime)
    assert runtime.ports_in_namespace, "as root, with the engine on this host, ports go through the namespace"
    runtime.ports_in_namespace = False  # as for an unprivileged gateway or an engine on another machine
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


async def agents(docker: DockerRuntime, env: str) -> int:
    return int((await docker.exec(env, ExecRequest(argv=AGENTS))).stdout)


async def test_a_large_exchange_crosses_the_relay_byte_for_byte(docker: DockerRuntime, env: str) -> None:
    sent = bytes(range(97, 123)) * 80_000  # 2 MB of a-z
    reader, writer = await connect(docker, env)

    async def send() -> None:
        writer.write(sent)
        await writer.drain()
        assert writer.can_write_eof()
        writer.write_eof()

    received, _ = await asyncio.wait_for(asyncio.gather(reader.read(), send()), 60)
    writer.close()

    assert len(received) == len(sent)
    assert hashlib.sha256(received).digest() == hashlib.sha256(sent.upper()).digest()


async def test_each_connection_is_an_agent_relay_that_ends_with_it(docker: DockerRuntime, env: str) -> None:
    opened = [await connect(docker, env) for _ in range(MAX_IDLE_SESSIONS + 1)]
    for number, (reader, writer) in enumerate(opened):
        writer.write(f"ping {number}".encode())
        assert await reader.readexactly(6) == f"PING {number}".encode()
    assert await agents(docker, env) >= len(opened), "each open connection is an agent process in the container"

    for _reader, writer in opened:
        writer.close()
        await writer.wait_closed()
    for _ in range(100):
        if await agents(docker, env) <= MAX_IDLE_SESSIONS:
            break
        await asyncio.sleep(0.1)
    assert await agents(docker, env) <= MAX_IDLE_SESSIONS, "the relays ended with their connections"

    reader, writer = await connect(docker, env)
    writer.write(b"again")
    assert await reader.readexactly(5) == b"AGAIN"
    writer.close()


async def test_a_port_nobody_listens_on_is_refused_and_commands_carry_on(docker: DockerRuntime, env: str) -> None:
    await docker.exec(env, ExecRequest(argv=["true"]))
    with pytest.raises(PortUnreachableError, match="nothing answers on port 9001 in the environment"):
        await docker.connect_port(env, 9001)
    after = await docker.exec(env, ExecRequest(argv=["echo", "still"]))
    assert (after.exit_code, after.stdout) == (0, b"still\n")
