"""An interactive shell on a pseudo-terminal of a bubblewrap environment (``Runtime.open_terminal``).

The pty comes from the environment's own ``/dev/pts`` (so ``tty`` names it
inside); the host keeps the master side, non-blocking, and waits on it with
the event loop's reader and writer callbacks. The shell joins the environment
through the same chain as an exec (``setsid --ctty`` makes the pty its
controlling terminal), in an ``exec-`` cgroup of its own that the runtime
reaps once everything started from the terminal has ended.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import os
import struct
import termios
from contextlib import suppress

from practica.sandbox.cgroups import Cgroup
from practica.sandbox.runtime import SandboxError

READ_SIZE = 65536
HANGUP_SECONDS = 2.0
# A login shell: bash where the environment has it, else sh.
SHELL = ["/bin/sh", "-c", "if command -v bash >/dev/null; then exec bash -il; fi; exec sh -il"]


def set_window_size(fd: int, cols: int, rows: int) -> None:
    if not (0 < cols <= 1000 and 0 < rows <= 1000):
        raise ValueError(f"a terminal of {cols}x{rows} is out of range")
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class PtyMaster:
    """The master side of a shell's pseudo-terminal: what the shell writes, what it reads, its size.

    Closing the master hangs the shell up; :meth:`_after_hangup` is what the holder does then.
    """

    def __init__(self, master: int) -> None:
        os.set_blocking(master, False)
        self.master = master
        self.closed = False
        self.waiting: set[asyncio.Future[None]] = set()

    async def _ready(self, writable: bool) -> None:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        add, remove = (loop.add_writer, loop.remove_writer) if writable else (loop.add_reader, loop.remove_reader)

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        add(self.master, wake)
        self.waiting.add(ready)
        try:
            await ready
        finally:
            self.waiting.discard(ready)
            if not self.closed:
                remove(self.master)

    async def read(self) -> bytes:
        while not self.closed:
            try:
                return os.read(self.master, READ_SIZE)
            except BlockingIOError:
                await self._ready(writable=False)
            except OSError as error:  # EIO: the shell and everything on the pty have gone
                if error.errno == errno.EIO:
                    return b""
                raise
        return b""

    async def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self.closed:
            try:
                view = view[os.write(self.master, view) :]
            except BlockingIOError:
                await self._ready(writable=True)
            except OSError as error:
                raise SandboxError(f"the terminal has ended: {error.strerror}") from error

    async def resize(self, cols: int, rows: int) -> None:
        if not self.closed:
            set_window_size(self.master, cols, rows)

    async def close(self) -> None:
        """Close the master (the kernel hangs up the shell once no one else holds it); idempotent."""
        if self.closed:
            return
        self.closed = True
        loop = asyncio.get_running_loop()
        loop.remove_reader(self.master)
        loop.remove_writer(self.master)
        for waiter in self.waiting:
            if not waiter.done():
                waiter.set_result(None)  # a pending read or write returns: the terminal is closed
        os.close(self.master)
        await self._after_hangup()

    async def _after_hangup(self) -> None:
        return None


class PtyTerminal(PtyMaster):
    """The host's side of a shell's pseudo-terminal, holding the shell's process and cgroup."""

    def __init__(self, master: int, process: asyncio.subprocess.Process, cgroup: Cgroup) -> None:
        super().__init__(master)
        self.process = process
        self.cgroup = cgroup

    async def _after_hangup(self) -> None:
        """Whatever ignores the hangup is killed."""
        try:
            await asyncio.wait_for(self.process.wait(), HANGUP_SECONDS)
        except TimeoutError:
            await self.cgroup.kill()
            await self.process.wait()


async def spawn_terminal(argv: list[str], master: int, slave: int, cgroup: Cgroup) -> PtyTerminal:
    """Start ``argv`` (an exec chain beginning with ``setsid --ctty``) on the pty's slave side."""
    try:
        process = await asyncio.create_subprocess_exec(*argv, stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    except OSError:
        os.close(master)
        raise
    finally:
        with suppress(OSError):
            os.close(slave)
    return PtyTerminal(master, process, cgroup)
