"""An interactive shell in a container through the Docker Engine API (``Runtime.open_terminal``).

An exec with a TTY and stdin, attached as a raw socket: a thread reads it
into the event loop, writes go straight to the socket, resizes are the
Engine's ``exec resize``. The API cannot end an exec; ``close`` hangs the
shell up with SIGHUP on its host pid (the engine runs on the eval host, see
:mod:`practica.sandbox.docker_runtime`) and kills it if it lingers.
"""

from __future__ import annotations

import asyncio
import os
import signal
from contextlib import suppress
from typing import Any

from practica.sandbox.bwrap_args import HOME
from practica.sandbox.docker_exec import close_attached, raw_socket
from practica.sandbox.runtime import SandboxError
from practica.sandbox.terminal import HANGUP_SECONDS, SHELL

_END = b""


def _pump(attached: Any, deliver: Any) -> None:
    """Thread body: copy the exec's socket into the loop until it ends."""
    from docker.utils.socket import frames_iter

    raw_socket(attached).settimeout(None)
    try:
        for _stream, data in frames_iter(attached, True):
            deliver(data)
    except (OSError, ValueError):  # the socket failed, or close() closed it under the read: the end either way
        pass
    finally:
        deliver(_END)


class DockerTerminal:
    def __init__(self, api: Any, exec_id: str, attached: Any) -> None:
        self.api = api
        self.exec_id = exec_id
        self.attached = attached
        self.output: asyncio.Queue[bytes] = asyncio.Queue()
        self.lock = asyncio.Lock()
        self.closed = False
        self.ended = False
        loop = asyncio.get_running_loop()
        self.reader = loop.run_in_executor(
            None, _pump, attached, lambda data: loop.call_soon_threadsafe(self.output.put_nowait, data)
        )

    async def read(self) -> bytes:
        if self.ended:
            return _END
        data = await self.output.get()
        self.ended = data == _END
        return data

    async def write(self, data: bytes) -> None:
        async with self.lock:
            try:
                await asyncio.to_thread(raw_socket(self.attached).sendall, data)
            except OSError as error:
                raise SandboxError(f"the terminal has ended: {error.strerror}") from error

    async def resize(self, cols: int, rows: int) -> None:
        if not (0 < cols <= 1000 and 0 < rows <= 1000):
            raise ValueError(f"a terminal of {cols}x{rows} is out of range")
        await asyncio.to_thread(self.api.exec_resize, self.exec_id, height=rows, width=cols)

    def _state(self) -> tuple[bool, int]:
        import docker.errors

        try:
            state = self.api.exec_inspect(self.exec_id)
        except docker.errors.NotFound:
            return False, 0
        return bool(state.get("Running")), int(state.get("Pid") or 0)

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        running, pid = await asyncio.to_thread(self._state)
        for sig in (signal.SIGHUP, signal.SIGKILL):
            if not running or pid <= 0:
                break
            with suppress(ProcessLookupError):
                os.kill(pid, sig)
            for _ in range(int(HANGUP_SECONDS / 0.05)):
                running, _pid = await asyncio.to_thread(self._state)
                if not running:
                    break
                await asyncio.sleep(0.05)
        close_attached(self.attached)
        await self.reader


async def open_docker_terminal(api: Any, container_id: str, user: str, cols: int, rows: int) -> DockerTerminal:
    created = await asyncio.to_thread(
        api.exec_create,
        container_id,
        SHELL,
        stdin=True,
        tty=True,
        user=user,
        workdir=HOME,
        environment={"TERM": "xterm-256color"},
    )
    exec_id = str(created["Id"])
    attached = await asyncio.to_thread(api.exec_start, exec_id, socket=True, tty=True)
    terminal = DockerTerminal(api, exec_id, attached)
    try:
        await terminal.resize(cols, rows)
    except Exception:
        await terminal.close()
        raise
    return terminal
