"""The interactive part of the runtime contract, against every runtime: terminals, ports, moving files."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from practica.sandbox import (
    EnvironmentSpec,
    ExecRequest,
    PathRefusedError,
    Runtime,
    SandboxError,
)
from practica.sandbox.runtime import PortUnreachableError, Terminal
from practica.sandbox.store import new_environment_id
from tests.practica.sandbox.conftest import TEST_LIMITS, EnvFactory

pytestmark = pytest.mark.sandbox


async def read_until(terminal: Terminal, wanted: bytes, seconds: float = 10.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + seconds
    while wanted not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{wanted!r} never came; got {seen[-400:]!r}")
        try:
            chunk = await asyncio.wait_for(terminal.read(), left)
        except TimeoutError:
            continue
        if not chunk:
            raise AssertionError(f"the terminal ended before {wanted!r}; got {seen[-400:]!r}")
        seen += chunk
    return seen


async def test_create_takes_a_chosen_id_once(runtime: Runtime) -> None:
    env_id = new_environment_id()
    info = await runtime.create(EnvironmentSpec(limits=TEST_LIMITS), env_id)
    try:
        assert info.id == env_id
        assert (await runtime.get(env_id)).id == env_id
        with pytest.raises(SandboxError):
            await runtime.create(EnvironmentSpec(limits=TEST_LIMITS), env_id)
        with pytest.raises(SandboxError):
            await runtime.create(EnvironmentSpec(limits=TEST_LIMITS), "../../etc")
        assert (await runtime.exec(env_id, ExecRequest(argv=["true"]))).exit_code == 0
    finally:
        await runtime.remove(env_id)


async def test_a_terminal_runs_an_interactive_shell(runtime: Runtime, env: str) -> None:
    terminal = await runtime.open_terminal(env, cols=100, rows=30)
    try:
        await terminal.write(b"echo hel''lo; tty\n")
        assert b"hello\r\n/dev/pts/" in await read_until(terminal, b"hello\r\n/dev/pts/")
        await terminal.write(b"stty size\n")
        await read_until(terminal, b"30 100")
        await terminal.resize(cols=120, rows=40)
        await terminal.write(b"stty size; x=seven; echo $x$x\n")
        await read_until(terminal, b"sevenseven")
    finally:
        await terminal.close()
        await terminal.close()  # idempotent


async def test_closing_a_terminal_ends_its_shell(runtime: Runtime, env: str) -> None:
    terminal = await runtime.open_terminal(env)
    await terminal.write(b"exec sleep 301\n")
    await asyncio.sleep(0.5)
    await terminal.close()
    for _ in range(50):
        left = await runtime.exec(env, ExecRequest(argv=["sh", "-c", "ps -eo args | grep -c '^sleep 301' || true"]))
        if left.stdout.strip() == b"0":
            break
        await asyncio.sleep(0.1)
    assert left.stdout.strip() == b"0"


async def test_a_closed_terminal_leaves_nothing_behind_in_the_environment(runtime: Runtime, env: str) -> None:
    """The docker runtime's shell writes its pid to /tmp to be hung up from inside: gone once it is closed."""
    listing = ExecRequest(argv=["ls", "-A", "/tmp"])  # the home gains .bash_history, as a shell's would
    before = (await runtime.exec(env, listing)).stdout
    terminal = await runtime.open_terminal(env)
    await terminal.write(b"echo ready\n")
    await read_until(terminal, b"ready\r\n")
    await terminal.close()
    assert (await runtime.exec(env, listing)).stdout == before


async def test_a_terminal_ends_when_its_shell_exits(runtime: Runtime, env: str) -> None:
    terminal = await runtime.open_terminal(env)
    await terminal.write(b"exit\n")
    async with asyncio.timeout(10):
        while await terminal.read():
            pass
    await terminal.close()


async def test_connect_port_reaches_a_server_inside(runtime: Runtime, env: str) -> None:
    await runtime.write_file(env, "site/index.html", b"<h1>inside</h1>")
    server = "cd site && exec python3 -m http.server 8080 >/dev/null 2>&1"
    await runtime.exec(env, ExecRequest(argv=["sh", "-c", f"({server}) &"]))
    for _ in range(100):
        try:
            reader, writer = await runtime.connect_port(env, 8080)
            break
        except PortUnreachableError:
            await asyncio.sleep(0.05)
    writer.write(b"GET /index.html HTTP/1.0\r\n\r\n")
    await writer.drain()
    response = await reader.read()
    writer.close()
    assert response.startswith(b"HTTP/1.0 200")
    assert response.endswith(b"<h1>inside</h1>")
    with pytest.raises(PortUnreachableError):
        await runtime.connect_port(env, 8081)


async def test_delete_and_rename_stay_inside_the_workspace(runtime: Runtime, env: str) -> None:
    await runtime.write_file(env, "a/b/one.txt", b"1")
    await runtime.rename_file(env, "a/b/one.txt", "c/two.txt")
    assert await runtime.read_file(env, "c/two.txt") == b"1"
    assert await runtime.list_files(env, "a/b") == []
    await runtime.exec(env, ExecRequest(argv=["sh", "-c", "ln -s /etc outside; ln -s c inner; touch /tmp/keep"]))
    for bad in ("../x", "/etc/passwd", "outside/passwd", "a/../../x"):
        with pytest.raises(PathRefusedError):
            await runtime.delete_file(env, bad)
        with pytest.raises(PathRefusedError):
            await runtime.rename_file(env, "c/two.txt", bad)
    with pytest.raises(PathRefusedError):
        await runtime.rename_file(env, "a", "a/b/inside")
    await runtime.delete_file(env, "outside")  # the link itself, never its target
    await runtime.delete_file(env, "inner")
    assert await runtime.read_file(env, "c/two.txt") == b"1"
    await runtime.delete_file(env, "a")
    with pytest.raises(FileNotFoundError):
        await runtime.delete_file(env, "a")
    assert sorted(entry.name for entry in await runtime.list_files(env)) == ["c"]
    check = await runtime.exec(env, ExecRequest(argv=["sh", "-c", "test -e /etc/passwd && test -e /tmp/keep"]))
    assert check.exit_code == 0


async def test_more_terminals_at_once(runtime: Runtime, make_env: EnvFactory) -> None:
    env = await make_env()
    terminals = [await runtime.open_terminal(env) for _ in range(3)]
    try:
        for number, terminal in enumerate(terminals):
            await terminal.write(f"echo term$((40+{number}))\n".encode())
        for number, terminal in enumerate(terminals):
            await read_until(terminal, f"term{40 + number}".encode())
    finally:
        for terminal in terminals:
            await terminal.close()


async def test_open_terminals_leave_the_runtime_free_for_other_calls(runtime: Runtime, make_env: EnvFactory) -> None:
    """More terminals than the event loop's default executor has threads (cores + 4, at most 32): a runtime that
    read each one in that executor would have no thread left for anything else, and these calls would hang."""
    env = await make_env()
    terminals = [await runtime.open_terminal(env) for _ in range(min(32, (os.cpu_count() or 1) + 4) + 2)]
    try:
        await asyncio.wait_for(runtime.write_file(env, "still.txt", b"answering\n"), 30)
        assert await asyncio.wait_for(runtime.read_file(env, "still.txt"), 30) == b"answering\n"
        listed = await asyncio.wait_for(runtime.exec(env, ExecRequest(argv=["cat", "still.txt"])), 30)
        assert listed.stdout == b"answering\n"
    finally:
        for terminal in terminals:
            await terminal.close()
