"""The docker runtime on an engine of another machine: an eval host (``practica hosts``).

Nothing of an environment is kept on this machine, so any worker or gateway
holding the host's certificates can drive any of its environments:

- the record (id, uid, spec, creation time) is the container's labels;
- the workspace is a named volume of the engine (``practica-home-ID``), its
  root handed to the environment's uid by an archive of one directory entry
  before the first start;
- ``/etc/passwd``, ``/etc/group`` and the exec agent are copied into the
  created container (podman lets an archive into a container whose root
  file system is read-only before it runs; Docker refuses it, so on Docker
  the root stays writable, though only to root, whom the container never runs as);
- an environment with ``egress`` is fenced off the platform and the eval
  hosts by an nftables table in its network namespace (:mod:`.egress`);
- podman reads a seccomp profile by path on its own machine: the tightened
  profile is written into a volume of the engine (``practica-seccomp-profiles``),
  and containers are made with that volume's path;
- changes in the workspace are seen by listing it through the agent every
  :data:`WATCH_INTERVAL` seconds (inotify would need the engine's machine);
- commands, terminals, files and ports go through the engine's API and the
  agent only (see :mod:`.docker_runtime`).

On a rootful podman the workspace volume is an ext4 file system of the disk
quota's size, loop-mounted by the engine (:meth:`RemoteDockerRuntime._make_workspace`);
elsewhere it has no size limit. The learner's saved files
(``workspace_saves``) are capped either way.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import secrets
import tarfile
from collections.abc import AsyncGenerator
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog

from practica.sandbox.bwrap_args import HOME, USER
from practica.sandbox.docker_agent import AGENT_IN_CONTAINER, BUILT_AGENT
from practica.sandbox.docker_images import ensure_image
from practica.sandbox.docker_runtime import ENVIRONMENT_LABEL, DockerRuntime, container_name, host_mounts
from practica.sandbox.egress import engine_addresses, fence
from practica.sandbox.environments import HOST
from practica.sandbox.keepers import long_lived_container
from practica.sandbox.runtime import (
    EnvironmentNotFoundError,
    EnvironmentNotRunningError,
    ImageMissingError,
    RuntimeUnavailableError,
    SandboxError,
)
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import (
    ChangeKind,
    EnvironmentInfo,
    EnvironmentSpec,
    ExecRequest,
    FileChange,
    NetworkAccess,
    Status,
    Usage,
)
from practica.sandbox.store import is_environment_id, new_environment_id

log = structlog.get_logger(__name__)
UID_LABEL = "practica.uid"
SPEC_LABEL = "practica.spec"
CREATED_LABEL = "practica.created"
WATCH_INTERVAL = 1.0
UID_GUESSES = 4  # random uids asked about before listing every environment for a free one
MAX_LISTED = 20_000  # entries a watch compares; past that it reports an overflow (the client re-reads)
MAX_CHANGES = 256  # changes in one batch; more become one overflow
# One line per entry: type, size, mtime, path (NUL-terminated: names may hold newlines).
LISTING = ["find", ".", "-mindepth", "1", "-printf", r"%y %s %T@ %P\0"]


PROFILES_VOLUME = "practica-seccomp-profiles"
PROFILES_IN_WRITER = "/profiles"
DISKS_VOLUME = "practica-workspace-disks"
DISKS_IN_HELPER = "/disks"
DISK_KEEPER = "practica-disk-keeper"
# $1 the file, $2 its size in bytes, $3 the owner of its root; as practica.sandbox.quota makes one here.
MAKE_DISK = """set -e
truncate -s "$2" "$1"
mkfs.ext4 -q -F -m 0 -J size=4 -O ^resize_inode \\
  -E "root_owner=$3:$3,lazy_itable_init=1,lazy_journal_init=1,nodiscard" "$1"
debugfs -w -R "rmdir lost+found" "$1" 2>/dev/null
"""


def volume_name(env_id: str) -> str:
    return f"practica-home-{env_id}"


def _tar(*members: tuple[str, bytes | None, int, int]) -> bytes:
    """A tar of ``(path, data or None for a directory, mode, owner uid)``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path, data, mode, uid in members:
            entry = tarfile.TarInfo(path)
            entry.mode, entry.uid, entry.gid = mode, uid, uid
            if data is None:
                entry.type = tarfile.DIRTYPE
                tar.addfile(entry)
            else:
                entry.size = len(data)
                tar.addfile(entry, io.BytesIO(data))
        end = tar.offset
    # Up to the end-of-archive marker (two zero blocks), without tarfile's record padding after it: podman's
    # extracting process stops reading at the marker, and writing the padding then met a closed pipe.
    return buffer.getvalue()[: end + 2 * tarfile.BLOCKSIZE]


def _etc_files(uid: int) -> dict[str, bytes]:
    return {
        "passwd": f"root:x:0:0::/:/usr/sbin/nologin\n{USER}:x:{uid}:{uid}::{HOME}:/bin/bash\n".encode(),
        "group": f"root:x:0:\n{USER}:x:{uid}:\n".encode(),
    }


def _info(container: Any) -> EnvironmentInfo:
    return _info_of(container.labels, container.status == "running")


def _info_of(labels: dict[str, str], running: bool) -> EnvironmentInfo:
    return EnvironmentInfo(
        id=labels[ENVIRONMENT_LABEL],
        runtime="docker",
        spec=EnvironmentSpec.model_validate_json(labels[SPEC_LABEL]),
        status=Status.RUNNING if running else Status.STOPPED,
        uid=int(labels[UID_LABEL]),
        created_at=datetime.fromisoformat(labels[CREATED_LABEL]),
    )


def changes_between(before: dict[str, str], after: dict[str, str]) -> list[FileChange]:
    """What a watcher is told when the listing ``before`` became ``after`` (path -> type, size and time)."""
    changes = [FileChange(path=path, kind=ChangeKind.DELETED) for path in before.keys() - after.keys()]
    for path, state in after.items():
        if path not in before:
            changes.append(FileChange(path=path, kind=ChangeKind.CREATED))
        elif before[path] != state:
            changes.append(FileChange(path=path, kind=ChangeKind.MODIFIED))
    if len(changes) > MAX_CHANGES:
        return [FileChange(path="", kind=ChangeKind.OVERFLOW)]
    return sorted(changes, key=lambda change: change.path)


def parse_listing(output: bytes) -> dict[str, str] | None:
    """``find -printf`` output as path -> state; None past :data:`MAX_LISTED` entries (or past the output limit)."""
    listed: dict[str, str] = {}
    for record in output.split(b"\0"):
        kind, _, rest = record.partition(b" ")
        size, _, rest = rest.partition(b" ")
        modified, _, path = rest.partition(b" ")
        if not path:
            continue
        if len(listed) >= MAX_LISTED:
            return None
        listed[path.decode(errors="surrogateescape")] = f"{kind.decode()} {size.decode()} {modified.decode()}"
    return listed


def _put_archive(container: Any, directory: str, archive: bytes) -> None:
    """Extract ``archive`` into the created container; once more when podman's extracting process failed.

    Seen in a bench creating hundreds of containers, before archives lost their trailing padding (see
    :func:`_tar`): "passing bulk input to subprocess: broken pipe"; the same archive went in at the next try.
    """
    import docker.errors

    try:
        container.put_archive(directory, archive)
    except docker.errors.APIError as error:
        if "broken pipe" not in str(error):
            raise
        log.warning("sandbox.archive_retried", container=container.name, directory=directory, error=str(error))
        container.put_archive(directory, archive)


class RemoteDockerRuntime(DockerRuntime):
    """Environments on the engine behind ``client``, kept there whole (see the module's docstring)."""

    def __init__(self, settings: SandboxSettings, client: Any) -> None:
        self._disks: bool | None = None
        super().__init__(settings.model_copy(update={"docker_exec_agent": True}), client)
        if self.agent is None:
            raise RuntimeUnavailableError("the exec agent is not built (make setup); a remote engine needs it")
        self.ports_in_namespace = False
        self._allocating = asyncio.Lock()

    @property
    def engine_url(self) -> str:
        """The host's URL as registered (an SSH tunnel's client talks to a local socket)."""
        tunnel = getattr(self.client, "tunnel", None)
        return str(tunnel.url) if tunnel is not None else super().engine_url

    async def _check_startable(self, spec: EnvironmentSpec) -> None:
        try:
            await super()._check_startable(spec)
        except ImageMissingError:
            raise ImageMissingError(
                f"environment {spec.environment!r} is not on the eval host at {self.engine_url}: import it with "
                "`practica hosts environments` where it is built (practica env build)"
            ) from None

    def _place_profile(self, profile: bytes) -> str:
        """The profile in a volume of the engine (:data:`PROFILES_VOLUME`), at that volume's path on its machine.

        podman reads a seccomp profile by path on the engine's machine, which is not this one. The file is
        named by its content's hash and written once, through a container that is made and removed but never
        started (the engine's API is all there is); another worker finding it there writes nothing.
        """
        import docker.errors
        from docker.types import Mount

        name = f"{hashlib.sha256(profile).hexdigest()[:24]}.json"
        mountpoint = self._engine_volume(PROFILES_VOLUME)
        writer = self.client.containers.create(
            ensure_image(self.client, HOST),
            ["true"],
            name=f"practica-profile-writer-{secrets.token_hex(6)}",
            mounts=[Mount(PROFILES_IN_WRITER, PROFILES_VOLUME, type="volume")],
            network_mode="none",
        )
        try:
            try:
                found, _stat = writer.get_archive(f"{PROFILES_IN_WRITER}/{name}")
                for _chunk in found:  # read to its end: the connection goes back to the pool
                    pass
            except docker.errors.NotFound:
                _put_archive(writer, PROFILES_IN_WRITER, _tar((name, profile, 0o644, 0)))
        finally:
            writer.remove(force=True)
        return f"{mountpoint}/{name}"

    def _engine_volume(self, name: str) -> str:
        """The path on the engine's machine of its volume ``name``, made if missing."""
        import docker.errors

        try:
            volume = self.client.volumes.get(name)
        except docker.errors.NotFound:
            volume = self.client.volumes.create(name)
        return str(volume.attrs["Mountpoint"])

    def _quota_enforced(self) -> bool:
        """Whether workspaces get a file system of their quota's size: on a rootful podman (it loop-mounts them)."""
        if self._disks is None:
            options = [str(option) for option in self.client.info().get("SecurityOptions") or []]
            self._disks = self.is_podman and not any("rootless" in option for option in options)
        return self._disks

    def _on_disks(self, script: str, *args: str) -> None:
        """``sh -c script`` as root on the engine's machine, with its tools, in the container holding the disks."""
        done = self._disk_keeper().exec_run(["sh", "-c", script, "sh", *args], user="0")
        if done.exit_code != 0:
            output = done.output.decode(errors="replace").strip()[-300:]
            raise SandboxError(f"the eval host could not make or remove a workspace's file system: {output}")

    def _disk_keeper(self) -> Any:
        """The engine's one long-lived container for its workspaces' file systems (:data:`DISK_KEEPER`).

        It holds :data:`DISKS_VOLUME` and the eval host's own tools (the ``host`` image), runs ``sleep``,
        and has no network; a file system is made or removed by an exec in it (tens of milliseconds, where a
        container of its own per environment took most of a second).
        """
        from docker.types import Mount

        return long_lived_container(
            self.client,
            DISK_KEEPER,
            image=ensure_image(self.client, HOST),
            command=["sleep", "infinity"],
            mounts=[Mount(DISKS_IN_HELPER, DISKS_VOLUME, type="volume"), *host_mounts()],
            network_mode="none",
            security_opt=self.security_opt,
            init=True,
        )

    def _make_workspace(self, info: EnvironmentInfo) -> None:
        """The workspace volume: on a podman that can, an ext4 file system of the disk quota's size.

        The file system is a sparse file in the engine's :data:`DISKS_VOLUME`, made by the eval host's own
        ``mkfs.ext4`` (in :meth:`_disk_keeper`) and loop-mounted by the engine at each start, as
        :mod:`.quota` does on this machine: a learner fills their workspace (``ENOSPC``), never the eval
        host's disk. Elsewhere (Docker, whose local driver mounts no loop device; a rootless podman) a
        plain volume, with no size limit.
        """

        labels = {ENVIRONMENT_LABEL: info.id}
        if not self._quota_enforced():
            self.client.volumes.create(volume_name(info.id), labels=labels)
            return
        disks = self._engine_volume(DISKS_VOLUME)
        image = f"{info.id}.img"
        self._on_disks(MAKE_DISK, f"{DISKS_IN_HELPER}/{image}", str(info.spec.limits.disk), str(info.uid))
        self.client.volumes.create(
            volume_name(info.id),
            driver="local",
            driver_opts={"type": "ext4", "device": f"{disks}/{image}", "o": "loop,nosuid,nodev,noatime"},
            labels=labels,
        )

    def _remove_workspace(self, env_id: str) -> None:
        """The workspace volume, and its file system's file when it has one."""
        import docker.errors

        with suppress(docker.errors.NotFound):
            self.client.volumes.get(volume_name(env_id)).remove(force=True)
        if self._quota_enforced():
            self._on_disks('rm -f "$1"', f"{DISKS_IN_HELPER}/{env_id}.img")

    def _agent_file(self) -> Path | None:
        """The built agent itself: its bytes are copied into each container, never bind-mounted."""
        return BUILT_AGENT if BUILT_AGENT.is_file() else None

    # -- what is made in the engine --------------------------------------------------------------

    def _mounts(self, info: EnvironmentInfo) -> list[Any]:
        from docker.types import Mount

        mounts = [Mount(HOME, volume_name(info.id), type="volume", read_only=False)]
        if info.spec.environment == HOST:
            mounts += host_mounts()  # the eval host's own /usr and /etc entries, as on this machine
        return mounts

    def _labels(self, info: EnvironmentInfo) -> dict[str, str]:
        return {
            ENVIRONMENT_LABEL: info.id,
            UID_LABEL: str(info.uid),
            SPEC_LABEL: info.spec.model_dump_json(),
            CREATED_LABEL: info.created_at.isoformat(),
        }

    def _has_agent(self, container: Any) -> bool:
        return True

    def _copied_in(self, uid: int) -> list[tuple[str, bytes]]:
        """What goes into a created container: (directory, tar to extract there)."""
        assert self.agent is not None
        agent_dir = AGENT_IN_CONTAINER.rpartition("/")[0]
        etc = [(name, data, 0o644, 0) for name, data in _etc_files(uid).items()]
        return [
            ("/", _tar((HOME.lstrip("/"), None, 0o755, uid))),
            ("/etc", _tar(*etc)),
            (
                "/",
                _tar(
                    (agent_dir.lstrip("/"), None, 0o755, 0),
                    (AGENT_IN_CONTAINER.lstrip("/"), self.agent.read_bytes(), 0o755, 0),
                ),
            ),
        ]

    def _listed(self) -> list[tuple[dict[str, str], bool]]:
        """Every environment's container as (labels, running), in one request.

        docker-py's ``containers.list`` inspects each container it lists, one request each: with hundreds of
        environments on a host that made every start slower than the last.
        """
        found = self.client.api.containers(all=True, filters={"label": ENVIRONMENT_LABEL})
        return [(item.get("Labels") or {}, item.get("State") == "running") for item in found]

    def _free_uid(self) -> int:
        """A uid no environment on the engine has: a random one asked about, else one from a full listing.

        Listing every container costs ~1.2 ms per container on podman (0.6 s with 500 on a host, on every
        start); asking whether one uid is taken, ~0.1 ms per container. With uids far outnumbering
        environments (100,000 by default) the first guess is nearly always free.
        """
        first, count = self.settings.uid_base, self.settings.uid_count
        for _ in range(UID_GUESSES):
            uid = first + secrets.randbelow(count)
            if not self.client.api.containers(all=True, filters={"label": f"{UID_LABEL}={uid}"}):
                return uid
        used = {int(labels.get(UID_LABEL, -1)) for labels, _running in self._listed()}
        free = [uid for uid in range(first, first + count) if uid not in used]
        if not free:
            raise SandboxError(f"no free uid on the engine at {self.engine_url} (raise PRACTICA_SANDBOX_UID_COUNT)")
        return secrets.choice(free)  # another worker allocating at once rarely picks the same one

    def _make(self, info: EnvironmentInfo) -> None:
        image = ensure_image(self.client, info.spec.environment)
        self._make_workspace(info)
        kwargs = self._run_kwargs(info, image)
        kwargs.pop("detach")
        if not self.is_podman:
            kwargs["read_only"] = False  # Docker extracts no archive into a read-only root, even before it runs
        container = self.client.containers.create(**kwargs)
        for directory, archive in self._copied_in(info.uid):
            _put_archive(container, directory, archive)
        container.start()
        self._fence(info.spec, container)

    def _fence(self, spec: EnvironmentSpec, container: Any) -> None:
        """An egress environment's network, fenced off the platform and the eval hosts (:mod:`.egress`)."""
        if spec.network is NetworkAccess.EGRESS:
            fence(self.client, container, [*self.settings.egress_networks, *engine_addresses(self.engine_url)])

    def _unmake(self, env_id: str) -> None:

        self.agents.forget(container_name(env_id))
        container = self._container(env_id)
        if container is not None:
            container.remove(force=True)
        self._remove_workspace(env_id)

    # -- lifecycle -------------------------------------------------------------------------------

    async def create(self, spec: EnvironmentSpec, env_id: str | None = None) -> EnvironmentInfo:
        await self._check_startable(spec)
        env_id = env_id or new_environment_id()
        if not is_environment_id(env_id):
            raise SandboxError(f"{env_id!r} is not an environment id (16 hex digits)")
        async with self._allocating:
            if await asyncio.to_thread(self._container, env_id) is not None:
                raise SandboxError(f"environment {env_id} already exists")
            uid = await asyncio.to_thread(self._free_uid)
            info = EnvironmentInfo(
                id=env_id,
                runtime=self.name,
                spec=spec,
                status=Status.RUNNING,
                uid=uid,
                created_at=datetime.now().astimezone(),
            )
            try:
                await asyncio.to_thread(self._make, info)
            except BaseException as error:
                await asyncio.to_thread(self._unmake, env_id)
                if isinstance(error, Exception) and not isinstance(error, SandboxError):
                    raise SandboxError(
                        f"the engine at {self.engine_url} could not make the environment: {error}"
                    ) from error
                raise
        return info

    async def _found(self, env_id: str) -> Any:
        if not is_environment_id(env_id):
            raise EnvironmentNotFoundError(f"no environment {env_id!r}")
        container = await asyncio.to_thread(self._container, env_id)
        if container is None or ENVIRONMENT_LABEL not in container.labels:
            raise EnvironmentNotFoundError(f"no environment {env_id!r}")
        return container

    async def get(self, env_id: str) -> EnvironmentInfo:
        return _info(await self._found(env_id))

    async def list_environments(self) -> list[EnvironmentInfo]:
        found = await asyncio.to_thread(self._listed)
        return sorted((_info_of(labels, running) for labels, running in found), key=lambda info: info.created_at)

    async def stop(self, env_id: str) -> EnvironmentInfo:
        container = await self._found(env_id)
        await asyncio.to_thread(self.agents.forget, container.name)
        await asyncio.to_thread(container.stop, timeout=0)
        await asyncio.to_thread(container.reload)
        return _info(container)

    async def resume(self, env_id: str) -> EnvironmentInfo:
        container = await self._found(env_id)
        if container.status != "running":
            await asyncio.to_thread(container.start)
            try:
                await asyncio.to_thread(self._fence, _info(container).spec, container)
            except BaseException:
                await asyncio.to_thread(container.stop, timeout=0)
                raise
            await asyncio.to_thread(container.reload)
        return _info(container)

    async def remove(self, env_id: str) -> None:
        if is_environment_id(env_id):
            await asyncio.to_thread(self._unmake, env_id)

    async def _running_info(self, env_id: str) -> tuple[EnvironmentInfo, Any]:
        container = await self._found(env_id)
        if container.status != "running":
            raise EnvironmentNotRunningError(f"environment {env_id} is stopped (resume it first)")
        return _info(container), container

    # -- what was read on this host's disk -------------------------------------------------------

    async def usage(self, env_id: str) -> Usage:
        info, container = await self._running_info(env_id)
        stats = await asyncio.to_thread(container.stats, stream=False)
        counted = await self.exec(env_id, ExecRequest(argv=["du", "-sb", HOME], timeout=30))
        disk = counted.stdout.split(maxsplit=1)[0] if counted.exit_code == 0 and counted.stdout else b""
        cpu = stats.get("cpu_stats", {}).get("cpu_usage", {}).get("total_usage")
        return Usage(
            memory=stats.get("memory_stats", {}).get("usage"),
            memory_limit=info.spec.limits.memory,
            pids=stats.get("pids_stats", {}).get("current"),
            cpu_seconds=cpu / 1e9 if cpu is not None else None,
            disk=int(disk) if disk.isdigit() else None,
            disk_quota=info.spec.limits.disk,
        )

    async def _listing(self, env_id: str) -> dict[str, str] | None:
        listed = await self.exec(env_id, ExecRequest(argv=LISTING, timeout=30))
        return None if listed.truncated else parse_listing(listed.stdout)

    async def watch_files(self, env_id: str) -> AsyncGenerator[list[FileChange]]:
        """Changes found by comparing listings; ends when the environment stops or goes."""
        try:
            before = await self._listing(env_id)
        except (EnvironmentNotRunningError, EnvironmentNotFoundError):
            return
        yield []
        while True:
            await asyncio.sleep(WATCH_INTERVAL)
            try:
                after = await self._listing(env_id)
            except (EnvironmentNotRunningError, EnvironmentNotFoundError):
                return
            if after is None or before is None:
                changes = [FileChange(path="", kind=ChangeKind.OVERFLOW)] if after is None else []
            else:
                changes = changes_between(before, after)
            before = after
            if changes:
                yield changes
