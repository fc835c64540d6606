"""An interactive shell in a container through the Docker Engine API (``Runtime.open_terminal``).

An exec with a TTY and stdin, attached as a raw socket: a thread reads it
into the event loop, writes go straight to the socket, resizes are the
Engine's ``exec resize``. The API cannot end an exec, so ``close`` hangs the
shell up from inside the container: the shell writes its pid (in the
container's namespace) to a file in ``/tmp`` as it starts, and an exec as the
same user sends SIGHUP to it, then SIGKILL if it lingers. Never a signal to
the pid the engine reports: that is a pid on the engine's host, which may be
another machine (an eval host) or, once the shell has ended, a recycled pid
of an unrelated process (signalling it once took down a podman service).
A learner who rewrites the file makes us signal another process of their
own, in their own container, with their own uid: nothing they cannot do.
"""

from __future__ import annotations

import asyncio
import secrets
from contextlib import suppress
from typing import Any

from practica.sandbox.bwrap_args import HOME
from practica.sandbox.docker_exec import close_attached, in_own_thread, output_frames, raw_socket
from practica.sandbox.runtime import SandboxError
from practica.sandbox.terminal import HANGUP_SECONDS, SHELL

_END = b""


def _pump(attached: Any, deliver: Any) -> None:
    """Thread body: copy the exec's socket into the loop until it ends."""
    raw_socket(attached).settimeout(None)
    try:
        for _stream, data in output_frames(attached, True):
            deliver(data)
    except (OSError, ValueError):  # the socket failed, or close() closed it under the read: the end either way
        pass
    finally:
        deliver(_END)


class DockerTerminal:
    def __init__(self, api: Any, shell: ShellInContainer, exec_id: str, attached: Any) -> None:
        self.api = api
        self.shell = shell
        self.exec_id = exec_id
        self.attached = attached
        self.output: asyncio.Queue[bytes] = asyncio.Queue()
        self.lock = asyncio.Lock()
        self.closed = False
        self.ended = False
        loop = asyncio.get_running_loop()
        self.reader = in_own_thread(
            _pump, attached, lambda data: loop.call_soon_threadsafe(self.output.put_nowait, data)
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

    def _running(self) -> bool:
        import docker.errors

        try:
            return bool(self.api.exec_inspect(self.exec_id).get("Running"))
        except docker.errors.NotFound:
            return False

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for signal_name in ("HUP", "KILL"):
            if not await asyncio.to_thread(self._running):
                break
            await asyncio.to_thread(self.shell.signal, self.api, signal_name)
            for _ in range(int(HANGUP_SECONDS / 0.05)):
                if not await asyncio.to_thread(self._running):
                    break
                await asyncio.sleep(0.05)
        await asyncio.to_thread(self.shell.forget, self.api)
        close_attached(self.attached)
        await self.reader


class ShellInContainer:
    """A terminal's shell as seen from inside its container: signalled by an exec that reads its pid file."""

    def __init__(self, container_id: str, user: str) -> None:
        self.container_id = container_id
        self.user = user
        self.pid_file = f"/tmp/.practica-terminal-{secrets.token_hex(8)}"  # noqa: S108 (the container's own /tmp)

    def command(self) -> list[str]:
        """SHELL, first writing its pid where ``signal`` finds it (exec keeps the pid through to the login shell)."""
        return [*SHELL[:2], f"echo $$ > {self.pid_file}; {SHELL[2]}"]

    def signal(self, api: Any, signal_name: str) -> None:
        self._run(api, f'kill -{signal_name} "$(cat {self.pid_file})"')

    def forget(self, api: Any) -> None:
        self._run(api, f"rm -f {self.pid_file}")

    def _run(self, api: Any, script: str) -> None:
        """Best effort: the container may have stopped, or the shell not have written its pid yet."""
        import docker.errors

        with suppress(docker.errors.APIError):
            created = api.exec_create(self.container_id, ["/bin/sh", "-c", f"{script} 2>/dev/null"], user=self.user)
            api.exec_start(created["Id"])


async def open_docker_terminal(api: Any, container_id: str, user: str, cols: int, rows: int) -> DockerTerminal:
    shell = ShellInContainer(container_id, user)
    created = await asyncio.to_thread(
        api.exec_create,
        container_id,
        shell.command(),
        stdin=True,
        tty=True,
        user=user,
        workdir=HOME,
        environment={"TERM": "xterm-256color"},
    )
    exec_id = str(created["Id"])
    attached = await asyncio.to_thread(api.exec_start, exec_id, socket=True, tty=True)
    terminal = DockerTerminal(api, shell, exec_id, attached)
    try:
        await terminal.resize(cols, rows)
    except Exception:
        await terminal.close()
        raise
    return terminal
