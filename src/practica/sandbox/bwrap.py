"""The ``bwrap`` runtime: environments as bubblewrap sandboxes on this host.

A running environment is one long-lived, unprivileged bubblewrap sandbox
(``sleep infinity`` under bwrap's own pid 1) holding its namespaces; execs
join it with ``nsenter`` (see :mod:`practica.sandbox.bwrap_exec`), and so
do terminals (:mod:`practica.sandbox.terminal`); ``connect_port`` makes its
socket inside the sandbox's network namespace (:mod:`practica.sandbox.ports`).
Each environment has a host uid of its own, a cgroup with its limits, a
loop-mounted workspace (the quota) and, under ``egress``, slirp4netns.

bwrap runs with ``--die-with-parent``: environments live as long as the
process that started them. Another process on the host (the gateway, the
CLI) can exec into them; if the starter ends, they read as stopped and
``resume`` brings them back with their files. Needs root (cgroups, loop
mounts, switching to the environments' uids).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from practica.sandbox.bwrap_args import bwrap_args, write_generated_etc
from practica.sandbox.bwrap_exec import JOIN_CGROUP, BwrapExecution, exec_argv, sandbox_pty
from practica.sandbox.bwrap_init import (
    START_TIMEOUT,
    log_tail,
    read_info,
    reap_old_exec_groups,
    spawn_init,
    wait_for_setup,
)
from practica.sandbox.cgroups import Cgroup, practica_root
from practica.sandbox.environments import built_rootfs
from practica.sandbox.netns import Slirp, start_slirp
from practica.sandbox.output import OutputSink
from practica.sandbox.ports import connect_in_namespace
from practica.sandbox.proc import process_start_time
from practica.sandbox.quota import WorkspaceVolume
from practica.sandbox.runtime import (
    EnvironmentNotRunningError,
    OutputCallback,
    RuntimeUnavailableError,
    SandboxError,
    Terminal,
)
from practica.sandbox.runtime_base import RuntimeBase
from practica.sandbox.seccomp import write_filter
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import (
    EnvironmentInfo,
    EnvironmentSpec,
    ExecRequest,
    ExecResult,
    NetworkAccess,
    Status,
    Usage,
)
from practica.sandbox.terminal import SHELL, set_window_size, spawn_terminal

TOOLS = ("bwrap", "nsenter", "setpriv", "prlimit", "mkfs.ext4")
INIT_STATE = "bwrap.json"


@dataclass
class _Running:
    pid: int  # the sandbox's pid 1, as the host sees it
    bwrap: subprocess.Popen[bytes] | None = None
    slirp: Slirp | None = None


class BwrapRuntime(RuntimeBase[int]):
    name = "bwrap"

    def __init__(self, settings: SandboxSettings) -> None:
        missing = [tool for tool in TOOLS if shutil.which(tool) is None]
        if missing:
            raise RuntimeUnavailableError(f"the bwrap runtime needs {', '.join(missing)} (apt-get install bubblewrap)")
        if os.geteuid() != 0:
            raise RuntimeUnavailableError("the bwrap runtime needs root (cgroups, loop mounts, per-environment uids)")
        super().__init__(settings)
        self.etc = write_generated_etc(settings.home / "sandbox" / "etc")
        self.seccomp = write_filter(settings.home / "sandbox")
        self.cgroups = practica_root()
        self._running: dict[str, _Running] = {}

    # -- helpers ---------------------------------------------------------------------------

    def _cgroup(self, env_id: str) -> Cgroup:
        return self.cgroups.child(env_id)

    def _init_pid(self, env_id: str) -> int | None:
        running = self._running.get(env_id)
        if running is not None:
            alive = running.bwrap is None or running.bwrap.poll() is None
            return running.pid if alive else None
        saved = self.store.read_json(env_id, INIT_STATE)
        if not saved:
            return None
        pid, start = saved.get("pid"), saved.get("start")
        if isinstance(pid, int) and start is not None and process_start_time(pid) == start:
            return pid
        return None

    async def _status(self, info: EnvironmentInfo) -> Status:
        return Status.RUNNING if self._init_pid(info.id) is not None else Status.STOPPED

    async def _running_info(self, env_id: str) -> tuple[EnvironmentInfo, int]:
        info = self.store.load(env_id)
        pid = self._init_pid(env_id)
        if pid is None:
            raise EnvironmentNotRunningError(f"environment {env_id} is stopped (resume it first)")
        return info, pid

    # -- lifecycle ---------------------------------------------------------------------------

    async def _check_startable(self, spec: EnvironmentSpec) -> None:
        built_rootfs(self.settings, spec.environment)

    async def _start(self, info: EnvironmentInfo) -> None:
        if self._init_pid(info.id) is not None:
            return
        await self._halt(info)  # whatever a dead starter left behind
        rootfs = built_rootfs(self.settings, info.spec.environment)
        volume = self._volume(info)
        await volume.mount()
        group = self._cgroup(info.id)
        group.create()
        group.set_limits(info.spec.limits)
        init_group = group.child("init")
        init_group.create()
        running = await self._spawn_init(info, rootfs, volume, init_group)
        self._running[info.id] = running
        if info.spec.network is NetworkAccess.EGRESS:
            running.slirp = await start_slirp(running.pid, self.store.path(info.id) / "slirp.log")
        self.store.write_json(info.id, INIT_STATE, {"pid": running.pid, "start": process_start_time(running.pid)})

    async def _spawn_init(
        self, info: EnvironmentInfo, rootfs: Path | None, volume: WorkspaceVolume, group: Cgroup
    ) -> _Running:
        read_fd, write_fd = os.pipe()
        seccomp_fd = os.open(self.seccomp, os.O_RDONLY | os.O_CLOEXEC)
        args = bwrap_args(info.spec, rootfs, volume.path, self.etc, write_fd, seccomp_fd)
        setpriv = ["setpriv", f"--reuid={info.uid}", f"--regid={info.uid}", "--clear-groups", "--"]
        argv = ["/bin/sh", "-c", JOIN_CGROUP, "sh", *map(str, group.procs_files()), "--", *setpriv, *args]
        log_path = self.store.path(info.id) / "bwrap.log"
        try:
            process = spawn_init(argv, (write_fd, seccomp_fd), log_path)
        finally:
            os.close(write_fd)
            os.close(seccomp_fd)
        try:
            data = await asyncio.wait_for(asyncio.to_thread(read_info, read_fd), START_TIMEOUT)
        finally:
            os.close(read_fd)
        if not data:
            process.kill()
            process.wait()
            raise SandboxError(f"bwrap did not start: {log_tail(log_path)}")
        pid = int(json.loads(data)["child-pid"])
        await wait_for_setup(pid, process)
        return _Running(pid=pid, bwrap=process)

    async def _halt(self, info: EnvironmentInfo) -> None:
        """End every process of the environment and release its cgroup and mount; keep the files."""
        running = self._running.pop(info.id, None)
        if running and running.slirp:
            running.slirp.stop()
        group = self._cgroup(info.id)
        await group.kill()
        if running and running.bwrap:
            running.bwrap.kill()
            await asyncio.to_thread(running.bwrap.wait)
        group.remove()
        await self._volume(info).unmount()
        (self.store.path(info.id) / INIT_STATE).unlink(missing_ok=True)

    async def _discard(self, info: EnvironmentInfo) -> None:
        await self._halt(info)

    # -- use ---------------------------------------------------------------------------------

    def _exec_group(self, env_id: str) -> Cgroup:
        group = self._cgroup(env_id)
        reap_old_exec_groups(group)
        exec_group = group.child(f"exec-{secrets.token_hex(4)}")
        exec_group.create()
        return exec_group

    async def exec(self, env_id: str, request: ExecRequest, on_output: OutputCallback | None = None) -> ExecResult:
        info, pid = await self._running_info(env_id)
        exec_group = self._exec_group(env_id)
        limits = info.spec.limits
        argv = exec_argv(pid, exec_group, limits, request, self.seccomp)
        execution = BwrapExecution(argv, exec_group, request, OutputSink(limits.output, on_output), pid, info.uid)
        result = await execution.run(request.timeout or limits.wall_timeout)
        exec_group.remove()
        return result

    async def open_terminal(self, env_id: str, cols: int = 80, rows: int = 24) -> Terminal:
        info, pid = await self._running_info(env_id)
        master, slave = sandbox_pty(pid)
        try:
            set_window_size(master, cols, rows)
        except ValueError:
            os.close(master)
            os.close(slave)
            raise
        group = self._exec_group(env_id)
        argv = exec_argv(pid, group, info.spec.limits, ExecRequest(argv=SHELL, tty=True), self.seccomp)
        return await spawn_terminal(argv, master, slave, group)

    async def connect_port(self, env_id: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        _info, pid = await self._running_info(env_id)
        return await connect_in_namespace(f"/proc/{pid}/ns/net", port)

    async def usage(self, env_id: str) -> Usage:
        info = self.store.load(env_id)
        group = self._cgroup(env_id)
        running = self._init_pid(env_id) is not None
        return Usage(
            memory=group.memory() if running else 0,
            memory_limit=info.spec.limits.memory,
            pids=group.pid_count() if running else 0,
            cpu_seconds=group.cpu_seconds() if running else None,
            disk=await asyncio.to_thread(self._volume(info).used) if running else None,
            disk_quota=info.spec.limits.disk,
        )
