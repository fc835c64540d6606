"""What the bwrap and docker runtimes share: environments recorded on this host, each on a workspace volume.

The lifecycle rules of :mod:`practica.sandbox.runtime` (``stop`` keeps the
files, ``resume`` brings the same environment back, ``remove`` is idempotent
and leaves nothing, a failed ``create`` leaves nothing either) are kept here
once. A runtime says only how its environments start, halt and are
discarded, how it tells a running one, and what reaches into a running one
(a pid for bwrap, a container for docker).
"""

from __future__ import annotations

import abc
from collections.abc import AsyncGenerator
from typing import Generic, TypeVar

from practica.sandbox.files import Workspace, WorkspaceFiles
from practica.sandbox.quota import WorkspaceVolume
from practica.sandbox.runtime import EnvironmentNotFoundError
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import EnvironmentInfo, EnvironmentSpec, FileChange, Status
from practica.sandbox.store import EnvironmentStore
from practica.sandbox.watch import watch_workspace

Handle = TypeVar("Handle")


class RuntimeBase(WorkspaceFiles, abc.ABC, Generic[Handle]):
    """A :class:`~practica.sandbox.runtime.Runtime` whose environments live in this host's store."""

    name: str

    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.store = EnvironmentStore(settings.environments_home, settings.uid_base, settings.uid_count)

    # -- what each runtime says ------------------------------------------------------------------

    @abc.abstractmethod
    async def _check_startable(self, spec: EnvironmentSpec) -> None:
        """Raise when ``spec`` cannot start here (its root file system or image is missing)."""

    @abc.abstractmethod
    async def _start(self, info: EnvironmentInfo) -> None:
        """Run the environment on its workspace (which exists); nothing when it already runs."""

    @abc.abstractmethod
    async def _halt(self, info: EnvironmentInfo) -> None:
        """End every process of the environment and unmount its workspace; keep the files."""

    @abc.abstractmethod
    async def _discard(self, info: EnvironmentInfo) -> None:
        """End the environment and delete what the runtime keeps of it, before its workspace goes."""

    @abc.abstractmethod
    async def _status(self, info: EnvironmentInfo) -> Status:
        """RUNNING or STOPPED, as the runtime finds the environment now."""

    @abc.abstractmethod
    async def _running_info(self, env_id: str) -> tuple[EnvironmentInfo, Handle]:
        """The environment and what reaches into it; EnvironmentNotRunningError when it is stopped."""

    # -- lifecycle -------------------------------------------------------------------------------

    def _volume(self, info: EnvironmentInfo) -> WorkspaceVolume:
        return WorkspaceVolume(
            self.store.path(info.id), info.uid, info.spec.limits.disk, enforce=self.settings.disk_quota
        )

    async def create(self, spec: EnvironmentSpec, env_id: str | None = None) -> EnvironmentInfo:
        await self._check_startable(spec)  # fail before allocating anything
        info = self.store.allocate(self.name, spec, env_id)
        try:
            await self._volume(info).create()
            await self._start(info)
        except BaseException:
            await self._delete(info)
            raise
        return info

    async def get(self, env_id: str) -> EnvironmentInfo:
        return await self._with_status(self.store.load(env_id))

    async def list_environments(self) -> list[EnvironmentInfo]:
        return [await self._with_status(info) for info in self.store.all(self.name)]

    async def stop(self, env_id: str) -> EnvironmentInfo:
        info = self.store.load(env_id)
        await self._halt(info)
        return self._saved(info, Status.STOPPED)

    async def resume(self, env_id: str) -> EnvironmentInfo:
        info = self.store.load(env_id)
        await self._start(info)
        return self._saved(info, Status.RUNNING)

    async def remove(self, env_id: str) -> None:
        try:
            info = self.store.load(env_id)
        except EnvironmentNotFoundError:
            return
        await self._delete(info)

    async def close(self) -> None:
        return None

    async def _delete(self, info: EnvironmentInfo) -> None:
        await self._discard(info)
        await self._volume(info).destroy()
        self.store.delete(info.id)

    async def _with_status(self, info: EnvironmentInfo) -> EnvironmentInfo:
        status = await self._status(info)
        return info if info.status is status else info.model_copy(update={"status": status})

    def _saved(self, info: EnvironmentInfo, status: Status) -> EnvironmentInfo:
        info = info.model_copy(update={"status": status})
        self.store.save(info)
        return info

    def watch_files(self, env_id: str) -> AsyncGenerator[list[FileChange]]:
        """The workspace is a folder on this host: inotify there sees every writer (the sandbox's too)."""
        return watch_workspace(self._workspace(env_id), self.settings.watch_directories)

    async def _workspace(self, env_id: str) -> Workspace:
        info, _handle = await self._running_info(env_id)
        return Workspace(self._volume(info).path, info.uid, self.settings.max_file_read)
