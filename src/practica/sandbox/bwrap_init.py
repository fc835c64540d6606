"""The long-lived process of a bubblewrap environment: spawning it, waiting for it, tidying its cgroups."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

from practica.sandbox.cgroups import Cgroup
from practica.sandbox.runtime import SandboxError

START_TIMEOUT = 10.0


def read_info(fd: int) -> bytes:
    """Read bwrap's ``--info-fd`` JSON (it closes the pipe after writing, or on failure)."""
    data = b""
    while chunk := os.read(fd, 4096):
        data += chunk
    return data


def spawn_init(argv: list[str], pass_fds: tuple[int, ...], log_path: Path) -> subprocess.Popen[bytes]:
    """Started from the event loop's thread on purpose: ``--die-with-parent`` follows the thread that forked."""
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            argv, pass_fds=pass_fds, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
        )


def log_tail(path: Path) -> str:
    return path.read_text(errors="replace").strip()[-500:]


def reap_old_exec_groups(group: Cgroup) -> None:
    """Remove the cgroups of past execs whose background processes have ended.

    Only those older than a minute: a younger one may belong to an exec (of
    this or another process) whose command has not joined it yet.
    """
    now = time.time()
    for name in group.children():
        folder = group.child(name)
        if name.startswith("exec-") and now - _mtime(folder.main) > 60:
            folder.remove()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return time.time()


async def wait_for_setup(pid: int, process: subprocess.Popen[bytes]) -> None:
    """bwrap reports its pid before building the sandbox; the command's fork means the build is done."""
    loop = asyncio.get_running_loop()
    until = loop.time() + START_TIMEOUT
    while not _children(pid):
        if process.poll() is not None or loop.time() > until:
            raise SandboxError("bwrap exited while setting up the sandbox")
        await asyncio.sleep(0.002)
    _protect_from_oom(pid)


def _protect_from_oom(pid: int) -> None:
    """Keep the environment's holder processes out of the OOM killer's choice: the hog should die, not them."""
    for target in [pid, *_children(pid)]:
        try:
            with open(f"/proc/{target}/oom_score_adj", "w") as adj:
                adj.write("-1000")
        except OSError:
            pass


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return [int(c) for c in children.read().split()]
    except OSError:
        return []
