"""The terminal through a real gateway: a PTY over WebSocket that survives a dropped connection."""

from __future__ import annotations

import asyncio
import time

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from practica.sandbox import Runtime
from practica.sandbox.gateway import GatewayAction
from tests.practica.sandbox.conftest import GatewayServer

pytestmark = pytest.mark.sandbox


async def read_until(socket: ClientConnection, wanted: bytes, seconds: float = 10.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + seconds
    while wanted not in seen:
        try:
            frame = await asyncio.wait_for(socket.recv(), max(deadline - time.monotonic(), 0.01))
        except TimeoutError:
            raise AssertionError(f"{wanted!r} never came; got {seen[-300:]!r}") from None
        seen += frame if isinstance(frame, bytes) else frame.encode()
    return seen


async def closed_by_server(socket: ClientConnection) -> ConnectionClosed:
    """Read until the gateway closes the socket; how it closed it."""
    try:
        while True:
            await asyncio.wait_for(socket.recv(), 5)
    except ConnectionClosed as closed:
        return closed


async def refused_status(url: str) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url):
            pass
    return refused.value.response.status_code


async def test_keystrokes_reach_the_shell_and_its_output_comes_back(gateway: GatewayServer, published_env: str) -> None:
    async with connect(gateway.ws(published_env)) as socket:
        await socket.send(b"echo hel''lo\n")
        await read_until(socket, b"hello\r\n")
        await socket.send("echo typed-as-text\n")  # text frames are keystrokes too
        await read_until(socket, b"typed-as-text\r\n")
    assert published_env in gateway.activity


async def test_resize_changes_the_terminal_size(gateway: GatewayServer, published_env: str) -> None:
    async with connect(gateway.ws(published_env, cols=100, rows=30)) as socket:
        await socket.send(b"stty size\n")
        await read_until(socket, b"30 100")
        await socket.send('{"type": "resize", "cols": 120, "rows": 40}')
        await socket.send(b"stty size\n")
        await read_until(socket, b"40 120")


async def test_a_reconnect_finds_the_same_shell_and_replays_its_output(
    gateway: GatewayServer, published_env: str
) -> None:
    async with connect(gateway.ws(published_env, session="work")) as socket:
        await socket.send(b"remembered=yes-$((6*7)); echo marker-$remembered\n")
        await read_until(socket, b"marker-yes-42")
    async with connect(gateway.ws(published_env, session="work")) as socket:
        replayed = await read_until(socket, b"marker-yes-42")  # before anything new was typed
        assert b"remembered=yes" in replayed
        await socket.send(b"echo again-$remembered\n")
        await read_until(socket, b"again-yes-42")
    async with connect(gateway.ws(published_env, session="other")) as socket:
        await socket.send(b"echo other-[$remembered]\n")
        await read_until(socket, b"other-[]")  # another session, another shell


async def test_a_second_connection_takes_the_terminal_over(gateway: GatewayServer, published_env: str) -> None:
    async with connect(gateway.ws(published_env)) as first, connect(gateway.ws(published_env)) as second:
        await second.send(b"echo second-here\n")
        await read_until(second, b"second-here\r\n")
        closed = await closed_by_server(first)
        assert closed.rcvd is not None
        assert closed.rcvd.code == 4000


async def test_the_shell_ends_after_the_grace_period(gateway: GatewayServer, published_env: str) -> None:
    async with connect(gateway.ws(published_env, session="brief")) as socket:
        await socket.send(b"kept=1; echo set-$kept\n")
        await read_until(socket, b"set-1")
    await asyncio.sleep(gateway.settings.terminal_grace.total_seconds() + 1)
    async with connect(gateway.ws(published_env, session="brief")) as socket:
        await socket.send(b"echo fresh-[$kept]\n")
        await read_until(socket, b"fresh-[]")


async def test_exiting_the_shell_closes_the_socket(gateway: GatewayServer, published_env: str) -> None:
    async with connect(gateway.ws(published_env, session="leaving")) as socket:
        await socket.send(b"exit\n")
        closed = await closed_by_server(socket)
        assert closed.rcvd is not None
        assert closed.rcvd.code == 1000


async def test_an_end_message_ends_the_shell_at_once(gateway: GatewayServer, published_env: str) -> None:
    """A closed terminal tab: its shell ends now, not after the grace period, and the name starts a new one."""
    async with connect(gateway.ws(published_env, session="closed-tab")) as socket:
        await socket.send(b"kept=1; echo set-$kept\n")
        await read_until(socket, b"set-1")
        await socket.send('{"type": "end"}')
        closed = await closed_by_server(socket)
        assert closed.rcvd is not None
        assert closed.rcvd.code == 1000
    async with connect(gateway.ws(published_env, session="closed-tab")) as socket:
        await socket.send(b"echo fresh-[$kept]\n")
        await read_until(socket, b"fresh-[]")


async def test_bad_tokens_are_refused(gateway: GatewayServer, published_env: str, bwrap: Runtime) -> None:
    other = await bwrap.create((await bwrap.get(published_env)).spec)
    try:
        assert await refused_status(gateway.ws(published_env, token="not-a-token")) == 401
        assert await refused_status(gateway.ws(published_env, token=gateway.token(other.id))) == 403
        files_only = gateway.token(published_env, actions=(GatewayAction.FILES_READ,))
        assert await refused_status(gateway.ws(published_env, token=files_only)) == 403
        expired = gateway.token(published_env, ttl=30, age=60)
        assert await refused_status(gateway.ws(published_env, token=expired)) == 401
        await bwrap.stop(other.id)
        assert await refused_status(gateway.ws(other.id)) == 409
        assert await refused_status(gateway.ws("0000000000000000")) == 404
    finally:
        await bwrap.remove(other.id)
