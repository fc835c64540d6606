"""One exec in a running bubblewrap environment.

The command enters the environment's namespaces with ``nsenter``, through a
chain where each link does one thing, in this order (all host binaries until
``nsenter --root``; from there on, the environment's own)::

    sh (joins the exec's cgroup) -> prlimit (rlimits) -> setpriv --no-new-privs
      -> seccomp_exec (the system-call filter, :mod:`practica.sandbox.seccomp`)
      -> nsenter (namespaces, root, uid/gid 1000: capabilities end at its exec)
      -> env -i (clean environment, cwd) -> the command

It runs in a cgroup of its own under the environment's, so a timeout or the
output cap ends everything it started, and an OOM kill is seen as its own.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import struct
import sys
from contextlib import suppress
from pathlib import Path
from typing import Any

from practica.sandbox import seccomp_exec
from practica.sandbox.bwrap_args import HOME, INSIDE_UID, USER
from practica.sandbox.cgroups import Cgroup
from practica.sandbox.output import OutputSink, Stream
from practica.sandbox.proc import exit_code
from practica.sandbox.spec import EndReason, ExecRequest, ExecResult, ResourceLimits

JOIN_CGROUP = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'
DRAIN_SECONDS = 0.2
_TIOCSPTLCK = 0x40045431
_TIOCGPTPEER = 0x5441
_INFRA_PREFIXES = (b"nsenter: ", b"prlimit: ", b"setpriv: ", b"seccomp_exec: ", b"sh: 1: cannot create")
SECCOMP_EXEC = [sys.executable, "-I", "-S", seccomp_exec.__file__]


def exec_argv(init_pid: int, cgroup: Cgroup, limits: ResourceLimits, request: ExecRequest, seccomp: Path) -> list[str]:
    rlimits = [f"--nproc={limits.pids}", f"--fsize={limits.file_size}", "--core=0", "--nofile=4096"]
    if limits.cpu_time:
        rlimits.append(f"--cpu={limits.cpu_time}")
    environment = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": HOME, "USER": USER, "LANG": "C.UTF-8"}
    if request.tty:
        environment["TERM"] = "xterm-256color"
    environment.update(request.env)
    chain = [
        "/bin/sh", "-c", JOIN_CGROUP, "sh", *map(str, cgroup.procs_files()), "--",
        "prlimit", *rlimits, "--",
        "setpriv", "--no-new-privs", "--",
        *SECCOMP_EXEC, str(seccomp), "--",
        "nsenter", f"--target={init_pid}", "--user", "--mount", "--pid", "--ipc", "--uts", "--net", "--cgroup",
        f"--setuid={INSIDE_UID}", f"--setgid={INSIDE_UID}", "--root", "--wd", "--",
        "/usr/bin/env", "-i", "-C", request.cwd, *(f"{k}={v}" for k, v in environment.items()), *request.argv,
    ]  # fmt: skip
    return ["setsid", "--ctty", *chain] if request.tty else chain


def sandbox_pty(init_pid: int) -> tuple[int, int]:
    """A pseudo-terminal of the environment's own ``/dev/pts`` (so ``tty`` and ``ttyname`` work inside)."""
    master = os.open(f"/proc/{init_pid}/root/dev/ptmx", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        fcntl.ioctl(master, _TIOCSPTLCK, struct.pack("i", 0))
        slave = fcntl.ioctl(master, _TIOCGPTPEER, os.O_RDWR | os.O_NOCTTY)
    except OSError:
        os.close(master)
        raise
    return master, slave


async def _reader(fd: int) -> tuple[asyncio.StreamReader, asyncio.BaseTransport]:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fd, "rb", buffering=0)
    )
    return reader, transport


async def _pump(sink: OutputSink, stream: Stream, reader: asyncio.StreamReader) -> None:
    with suppress(OSError):  # a pty's master reads EIO once every slave is closed
        await sink.pump(stream, reader)


class BwrapExecution:
    """Spawns the chain, streams its output, enforces timeout and cap, and tells why it ended."""

    def __init__(
        self, argv: list[str], cgroup: Cgroup, request: ExecRequest, sink: OutputSink, init_pid: int, uid: int
    ) -> None:
        self.argv = argv
        self.init_pid = init_pid
        self.uid = uid
        self.cgroup = cgroup
        self.request = request
        self.sink = sink
        self.transports: list[asyncio.BaseTransport] = []
        self.pumps: list[asyncio.Task[None]] = []

    async def _spawn(self) -> asyncio.subprocess.Process:
        stdin: Any = asyncio.subprocess.DEVNULL if self.request.stdin is None else asyncio.subprocess.PIPE
        if self.request.tty:
            master, slave = sandbox_pty(self.init_pid)
            fds: dict[str, Any] = {"stdin": slave, "stdout": slave, "stderr": slave}
            outputs: list[tuple[Stream, int]] = [("stdout", master)]
        else:
            out_r, out_w = os.pipe()
            err_r, err_w = os.pipe()
            for pipe in (out_w, err_w):  # the environment's own, as under docker: `> /dev/stdout` works inside
                os.fchown(pipe, self.uid, self.uid)
            fds = {"stdin": stdin, "stdout": out_w, "stderr": err_w}
            outputs = [("stdout", out_r), ("stderr", err_r)]
        try:
            process = await asyncio.create_subprocess_exec(
                *self.argv, **fds, start_new_session=not self.request.tty, close_fds=True
            )
        finally:
            for fd in {fds["stdout"], fds["stderr"]}:
                os.close(fd)
        for stream, fd in outputs:
            reader, transport = await _reader(fd)
            self.transports.append(transport)
            self.pumps.append(asyncio.create_task(_pump(self.sink, stream, reader)))
        if self.request.stdin is not None:
            self.pumps.append(asyncio.create_task(self._feed(process, outputs[0][1] if self.request.tty else None)))
        return process

    async def _feed(self, process: asyncio.subprocess.Process, master: int | None) -> None:
        data = self.request.stdin or b""
        with suppress(OSError):
            if master is not None:
                os.write(master, data)
                return
            assert process.stdin is not None
            process.stdin.write(data)
            await process.stdin.drain()
            process.stdin.close()

    async def run(self, seconds: float) -> ExecResult:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            process = await self._spawn()
        except OSError as error:
            return _failed(f"could not start the exec: {error}", loop.time() - started)
        reason = await _wait(process, seconds, self.sink)
        if reason is not EndReason.EXITED:
            await self.cgroup.kill()
        returncode = await process.wait()
        await self._drain()
        code = exit_code(returncode)
        reason = self._classify(reason, returncode)
        return ExecResult(
            exit_code=code,
            reason=reason,
            truncated=self.sink.truncated,
            duration=loop.time() - started,
            stdout=bytes(self.sink.kept["stdout"]),
            stderr=bytes(self.sink.kept["stderr"]),
        )

    def _classify(self, reason: EndReason, returncode: int) -> EndReason:
        if reason is not EndReason.EXITED:
            return reason
        if returncode in (-signal.SIGKILL, 128 + signal.SIGKILL) and self.cgroup.oom_kills() > 0:
            return EndReason.OOM
        if returncode != 0 and self.sink.kept["stderr"].startswith(_INFRA_PREFIXES):
            return EndReason.INFRASTRUCTURE_ERROR
        return EndReason.KILLED if returncode < 0 else EndReason.EXITED

    async def _drain(self) -> None:
        """Give the pipes a moment to empty; background processes may hold them open for ever."""
        _done, pending = await asyncio.wait(self.pumps, timeout=DRAIN_SECONDS) if self.pumps else (set(), set())
        for task in pending:
            task.cancel()
        for transport in self.transports:
            transport.close()


async def _wait(process: asyncio.subprocess.Process, seconds: float, sink: OutputSink) -> EndReason:
    exited = asyncio.ensure_future(process.wait())
    capped = asyncio.ensure_future(sink.limit_reached.wait())
    done, _ = await asyncio.wait({exited, capped}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    capped.cancel()
    if exited in done:
        return EndReason.EXITED
    exited.cancel()
    return EndReason.OUTPUT_LIMIT if capped in done else EndReason.TIMEOUT


def _failed(detail: str, duration: float) -> ExecResult:
    return ExecResult(exit_code=125, reason=EndReason.INFRASTRUCTURE_ERROR, duration=duration, detail=detail)
