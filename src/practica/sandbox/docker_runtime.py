"""The ``docker`` runtime: environments as containers, through the Docker Engine API.

Tested against podman's Docker-compatible service (runc, cgroupfs; see
``containers.conf``). The workspace is the same loop-mounted volume the bwrap
runtime uses, bind-mounted into the container, so quota and stop/resume
behave alike; the engine therefore runs on the eval host itself. Commands,
file operations and published ports go through the exec agent inside the
container (:mod:`.docker_agent`, :mod:`.docker_files`, :mod:`.docker_ports`),
over the engine's API only.
Containers run as the environment's own host uid, read-only, with every
capability dropped, ``no-new-privileges``, the spec's limits and a seccomp
profile: the engine's default, which must be on (Docker's already refuses new
namespaces, mounts and keyrings to a container without capabilities); on
podman, whose default allows ``unshare`` and namespace flags, that default
with :mod:`practica.sandbox.seccomp`'s policy taken out of it.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from practica.sandbox.bwrap_args import HOME, HOST_ETC, HOST_TOP, HOSTNAME, USER
from practica.sandbox.docker_agent import AGENT_IN_CONTAINER, AgentExecution, AgentPool, install_agent
from practica.sandbox.docker_exec import OOM_COUNTERS, DockerExecution
from practica.sandbox.docker_files import AgentWorkspace
from practica.sandbox.docker_images import ensure_image
from practica.sandbox.docker_ports import connect_through_agent
from practica.sandbox.docker_terminal import open_docker_terminal
from practica.sandbox.environments import HOST
from practica.sandbox.output import OutputSink
from practica.sandbox.ports import connect_in_namespace
from practica.sandbox.runtime import (
    EnvironmentNotRunningError,
    OutputCallback,
    RuntimeUnavailableError,
    Terminal,
)
from practica.sandbox.runtime_base import RuntimeBase
from practica.sandbox.seccomp import docker_profile, replace_file
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import (
    EndReason,
    EnvironmentInfo,
    EnvironmentSpec,
    ExecRequest,
    ExecResult,
    FileEntry,
    NetworkAccess,
    Status,
    Usage,
)

ENVIRONMENT_LABEL = "practica.environment"
PODMAN_EGRESS = "slirp4netns:allow_host_loopback=false"
# Where podman (containers-common) keeps its default seccomp profile; the first one found is the one it uses.
PODMAN_SECCOMP_DEFAULTS = (Path("/etc/containers/seccomp.json"), Path("/usr/share/containers/seccomp.json"))


def host_mounts() -> list[Any]:
    import glob

    from docker.types import Mount

    paths = [f"/{top}" for top in HOST_TOP if not _is_link(f"/{top}")]
    paths += [found for pattern in HOST_ETC for found in sorted(glob.glob(f"/etc/{pattern}"))]
    return [Mount(path, path, type="bind", read_only=True) for path in paths]


def container_name(env_id: str) -> str:
    """The environment's container (the engine's name for it, which the agent pool keys its sessions by)."""
    return f"practica-{env_id}"


def _is_link(path: str) -> bool:
    import os

    return os.path.islink(path) or not os.path.exists(path)


class DockerRuntime(RuntimeBase[Any]):
    name = "docker"

    def __init__(self, settings: SandboxSettings, client: Any = None) -> None:
        """On ``settings.docker_url``, or on ``client`` (a ``docker.DockerClient`` made by the caller)."""
        import docker
        import docker.errors

        super().__init__(settings)
        self.client = client or docker.DockerClient(base_url=settings.docker_url, timeout=120)
        try:
            version = self.client.version()
        except docker.errors.DockerException as error:
            raise RuntimeUnavailableError(f"no Docker Engine API at {self.engine_url}: {error}") from None
        self.is_podman = any("podman" in c.get("Name", "").lower() for c in version.get("Components", []))
        self.security_opt = ["no-new-privileges", *self._seccomp_options()]
        self._oom_seen: dict[str, int] = {}
        self.agent = self._agent_file() if settings.docker_exec_agent else None
        self.agents = AgentPool(self.client.api)
        # Entering a container's network namespace needs root and the engine on this host (its pids are ours).
        self.ports_in_namespace = client is None and settings.docker_url.startswith("unix://") and os.geteuid() == 0

    @property
    def engine_url(self) -> str:
        return str(self.client.api.base_url)

    def _seccomp_options(self) -> list[str]:
        """Refuse an engine that filters no system calls; on podman, name the tightened profile (a host path)."""
        options = self.client.info().get("SecurityOptions") or []
        if not any(str(option).startswith("name=seccomp") for option in options):
            raise RuntimeUnavailableError(f"the engine at {self.engine_url} has no seccomp filtering")
        if not self.is_podman:
            return []
        default = next((path for path in PODMAN_SECCOMP_DEFAULTS if path.is_file()), None)
        if default is None:
            raise RuntimeUnavailableError("podman's default seccomp profile is missing (apt-get install podman)")
        try:
            profile = json.dumps(docker_profile(json.loads(default.read_text())), indent=1).encode()
        except ValueError as error:
            raise RuntimeUnavailableError(f"{default}: {error}") from None
        return [f"seccomp={self._place_profile(profile)}"]

    def _place_profile(self, profile: bytes) -> str:
        """Where podman, which takes a seccomp profile by path only, reads ``profile`` on the engine's machine.

        Here a file of PRACTICA_HOME, which a local engine shares.
        """
        return str(replace_file(self.settings.home / "sandbox" / "seccomp-podman.json", profile))

    def _agent_file(self) -> Path | None:
        return install_agent(self.settings.home)

    def _network(self, policy: NetworkAccess) -> str:
        if policy is NetworkAccess.NONE:
            return "none"
        return self.settings.docker_egress_network or (PODMAN_EGRESS if self.is_podman else "bridge")

    def _container(self, env_id: str) -> Any:
        import docker.errors

        try:
            return self.client.containers.get(container_name(env_id))
        except docker.errors.NotFound:
            return None

    def _run_kwargs(self, info: EnvironmentInfo, image: str) -> dict[str, Any]:
        from docker.types import Ulimit

        limits = info.spec.limits
        tmpfs = f"size={limits.disk},mode=1777,nosuid,nodev"
        ulimits = [
            Ulimit(name="nofile", soft=1024, hard=1024),
            Ulimit(name="nproc", soft=limits.pids, hard=limits.pids),
        ]
        ulimits += [
            Ulimit(name="fsize", soft=limits.file_size, hard=limits.file_size),
            Ulimit(name="core", soft=0, hard=0),
        ]
        if limits.cpu_time:
            ulimits.append(Ulimit(name="cpu", soft=limits.cpu_time, hard=limits.cpu_time))
        return {
            "image": image, "command": ["sleep", "infinity"], "init": True, "detach": True,
            "name": container_name(info.id),
            "user": f"{info.uid}:{info.uid}", "working_dir": HOME, "hostname": HOSTNAME,
            "environment": {"HOME": HOME, "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"},
            "network_mode": self._network(info.spec.network), "read_only": True, "mounts": self._mounts(info),
            "mem_limit": limits.memory, "memswap_limit": limits.memory, "pids_limit": limits.pids,
            "nano_cpus": int(limits.cpus * 1e9), "ulimits": ulimits, "cap_drop": ["ALL"],
            "security_opt": self.security_opt, "tmpfs": {"/tmp": tmpfs, "/var/tmp": tmpfs},  # noqa: S108 (inside the container)
            "labels": self._labels(info),
        }  # fmt: skip

    def _mounts(self, info: EnvironmentInfo) -> list[Any]:
        """This host's workspace volume, passwd and group files and agent, bind-mounted (the engine is here)."""
        from docker.types import Mount

        mounts = [Mount(HOME, str(self._volume(info).path), type="bind", read_only=False)]
        mounts += [
            Mount(f"/etc/{name}", str(path), type="bind", read_only=True) for name, path in self._etc(info).items()
        ]
        if info.spec.environment == HOST:
            mounts += host_mounts()
        if self.agent is not None:
            mounts.append(Mount(AGENT_IN_CONTAINER, str(self.agent), type="bind", read_only=True))
        return mounts

    def _labels(self, info: EnvironmentInfo) -> dict[str, str]:
        return {ENVIRONMENT_LABEL: info.id}

    def _has_agent(self, container: Any) -> bool:
        """Whether the container has the exec agent (one made before the agent existed, or without it, has not)."""
        mounts = container.attrs.get("Mounts") or []
        return any(mount.get("Destination") == AGENT_IN_CONTAINER for mount in mounts)

    def _etc(self, info: EnvironmentInfo) -> dict[str, Path]:
        """/etc/passwd and /etc/group naming the environment's uid ``learner``, as under bwrap."""
        files = {
            "passwd": f"root:x:0:0::/:/usr/sbin/nologin\n{USER}:x:{info.uid}:{info.uid}::{HOME}:/bin/bash\n",
            "group": f"root:x:0:\n{USER}:x:{info.uid}:\n",
        }
        paths = {}
        for name, text in files.items():
            path = self.store.path(info.id) / name
            if not path.exists():
                path.write_text(text)
                path.chmod(0o644)
            paths[name] = path
        return paths

    # -- lifecycle ---------------------------------------------------------------------------

    async def _check_startable(self, spec: EnvironmentSpec) -> None:
        await asyncio.to_thread(ensure_image, self.client, spec.environment)

    async def _start(self, info: EnvironmentInfo) -> None:
        await self._volume(info).mount()
        container = await asyncio.to_thread(self._container, info.id)
        if container is None:
            image = await asyncio.to_thread(ensure_image, self.client, info.spec.environment)
            await asyncio.to_thread(self.client.containers.run, **self._run_kwargs(info, image))
        elif container.status != "running":
            await asyncio.to_thread(container.start)

    async def _halt(self, info: EnvironmentInfo) -> None:
        await asyncio.to_thread(self.agents.forget, container_name(info.id))
        container = await asyncio.to_thread(self._container, info.id)
        if container is not None:
            await asyncio.to_thread(container.stop, timeout=0)
        await self._volume(info).unmount()

    async def _discard(self, info: EnvironmentInfo) -> None:
        await asyncio.to_thread(self.agents.forget, container_name(info.id))
        container = await asyncio.to_thread(self._container, info.id)
        if container is not None:
            await asyncio.to_thread(container.remove, force=True)
        self._oom_seen.pop(info.id, None)

    async def _status(self, info: EnvironmentInfo) -> Status:
        container = await asyncio.to_thread(self._container, info.id)
        return Status.RUNNING if container is not None and container.status == "running" else Status.STOPPED

    async def close(self) -> None:
        await asyncio.to_thread(self.agents.close)
        await asyncio.to_thread(self.client.close)

    # -- use ---------------------------------------------------------------------------------

    async def _running_info(self, env_id: str) -> tuple[EnvironmentInfo, Any]:
        info = self.store.load(env_id)
        container = await asyncio.to_thread(self._container, env_id)
        if container is None or container.status != "running":
            raise EnvironmentNotRunningError(f"environment {env_id} is stopped (resume it first)")
        return info, container

    async def exec(self, env_id: str, request: ExecRequest, on_output: OutputCallback | None = None) -> ExecResult:
        info, container = await self._running_info(env_id)
        user = f"{info.uid}:{info.uid}"
        sink = OutputSink(info.spec.limits.output, on_output)
        seconds = request.timeout or info.spec.limits.wall_timeout

        async def kill_all() -> None:
            await self._kill_all(container, user)

        if not request.tty and self._has_agent(container):
            result = await AgentExecution(self.agents, container.name, user, request, sink).run(seconds, kill_all)
        else:
            result, _exec_id = await DockerExecution(self.client.api, container.id, user, request, sink).run(
                seconds, kill_all
            )
        if (
            result.reason is EndReason.EXITED
            and result.exit_code == 137
            and await self._oom_happened(env_id, container)
        ):
            result = result.model_copy(update={"reason": EndReason.OOM})
        return result

    async def _kill_all(self, container: Any, user: str) -> None:
        """End every process of the learner; the container's init (catatonit) reaps them.

        ``sleep infinity`` under the init dies too, which stops the container:
        it is started again (files kept). When not even ``kill`` can start
        (no pids left), the container is killed. Either way the container is
        waited for until it has stopped: the engine may still report it
        running just after, and the next exec would then find it stopped.
        """
        outcome = await asyncio.to_thread(container.exec_run, ["kill", "-9", "-1"], user=user)
        if outcome.exit_code not in (0, 1, 137):
            await asyncio.to_thread(container.kill)
        await asyncio.to_thread(container.wait, timeout=10)
        await asyncio.to_thread(container.reload)
        if container.status != "running":
            await asyncio.to_thread(container.start)

    async def _oom_happened(self, env_id: str, container: Any) -> bool:
        outcome = await asyncio.to_thread(container.exec_run, ["sh", "-c", OOM_COUNTERS], user="0")
        count = sum(
            int(line.split()[1]) for line in outcome.output.decode().splitlines() if line.startswith("oom_kill ")
        )
        seen, self._oom_seen[env_id] = self._oom_seen.get(env_id, 0), count
        return count > seen

    # -- files: through the exec agent (the engine's API), else on this host's workspace folder -------------

    async def _files(self, env_id: str) -> AgentWorkspace | None:
        info, container = await self._running_info(env_id)
        if not self._has_agent(container):
            return None
        return AgentWorkspace(self.agents, container.name, f"{info.uid}:{info.uid}", self.settings.max_file_read)

    async def read_file(self, env_id: str, path: str) -> bytes:
        files = await self._files(env_id)
        return await files.read(path) if files else await super().read_file(env_id, path)

    async def write_file(
        self, env_id: str, path: str, data: bytes, mode: int = 0o644, *, if_match: str | None = None,
        create_only: bool = False,
    ) -> str:  # fmt: skip
        files = await self._files(env_id)
        if files is None:
            return await super().write_file(env_id, path, data, mode, if_match=if_match, create_only=create_only)
        return await files.write(path, data, mode, if_match=if_match, create_only=create_only)

    async def list_files(self, env_id: str, path: str = ".") -> list[FileEntry]:
        files = await self._files(env_id)
        return await files.list(path) if files else await super().list_files(env_id, path)

    async def delete_file(self, env_id: str, path: str) -> None:
        files = await self._files(env_id)
        await (files.delete(path) if files else super().delete_file(env_id, path))

    async def rename_file(self, env_id: str, source: str, target: str) -> None:
        files = await self._files(env_id)
        await (files.rename(source, target) if files else super().rename_file(env_id, source, target))

    async def open_terminal(self, env_id: str, cols: int = 80, rows: int = 24) -> Terminal:
        info, container = await self._running_info(env_id)
        return await open_docker_terminal(self.client.api, container.id, f"{info.uid}:{info.uid}", cols, rows)

    async def connect_port(self, env_id: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Through the container's network namespace when this process can enter it (~7 ms), else through the
        exec agent's relay (the engine's API only: ~100 ms, an engine exec per connection)."""
        info, container = await self._running_info(env_id)
        if self._has_agent(container) and not self.ports_in_namespace:
            return await connect_through_agent(self.agents, container.name, f"{info.uid}:{info.uid}", port)
        pid = int(container.attrs.get("State", {}).get("Pid") or 0)
        if pid <= 0:
            raise EnvironmentNotRunningError(f"environment {env_id} has no process")
        return await connect_in_namespace(f"/proc/{pid}/ns/net", port)

    async def usage(self, env_id: str) -> Usage:
        info, container = await self._running_info(env_id)
        stats = await asyncio.to_thread(container.stats, stream=False)
        memory = stats.get("memory_stats", {}).get("usage")
        cpu = stats.get("cpu_stats", {}).get("cpu_usage", {}).get("total_usage")
        return Usage(
            memory=memory,
            memory_limit=info.spec.limits.memory,
            pids=stats.get("pids_stats", {}).get("current"),
            cpu_seconds=cpu / 1e9 if cpu is not None else None,
            disk=await asyncio.to_thread(self._volume(info).used),
            disk_quota=info.spec.limits.disk,
        )
