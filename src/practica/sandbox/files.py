"""File operations on a workspace, done by the (root) host process on behalf of a learner.

The workspace belongs to hostile code, which may plant symlinks anywhere in
it. Paths are therefore resolved one component at a time, openat-style: each
directory is opened with ``O_NOFOLLOW`` relative to the previous one, symlinks
are expanded by us and only when relative and staying inside the workspace.
An absolute link or a ``..`` past the top raises :class:`PathRefusedError`.
Because every step opens with ``O_NOFOLLOW``, a link swapped in between
resolving and opening fails the open instead of being followed.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

from practica.sandbox.runtime import PathRefusedError, VersionConflictError
from practica.sandbox.spec import FileEntry, FileKind

MOUNT_POINT = "/workspace"
_MAX_LINKS = 40
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def version_of(data: bytes) -> str:
    """A file's version: the SHA-256 of its bytes (what the gateway sends as its ETag)."""
    return hashlib.sha256(data).hexdigest()


def _components(path: str) -> list[str]:
    if path == MOUNT_POINT or path.startswith(MOUNT_POINT + "/"):
        path = path[len(MOUNT_POINT) :]
    elif path.startswith("/"):
        raise PathRefusedError(f"{path!r} is outside the workspace")
    if "\0" in path:
        raise PathRefusedError("a path may not contain NUL")
    return [part for part in path.split("/") if part not in ("", ".")]


class Workspace:
    """Safe reads and writes under ``root``; new files belong to ``uid``."""

    def __init__(self, root: Path, uid: int, max_read: int) -> None:
        self.root = root
        self.uid = uid
        self.max_read = max_read

    @contextmanager
    def _walk(self, names: list[str], *, create: bool = False) -> Iterator[int]:
        """Open the directory ``names`` (already resolved) from the root without following any link."""
        fd = os.open(self.root, _DIR_FLAGS)
        try:
            for name in names:
                try:
                    next_fd = os.open(name, _DIR_FLAGS, dir_fd=fd)
                except FileNotFoundError:
                    if not create:
                        raise
                    os.mkdir(name, 0o755, dir_fd=fd)
                    os.chown(name, self.uid, self.uid, dir_fd=fd, follow_symlinks=False)
                    next_fd = os.open(name, _DIR_FLAGS, dir_fd=fd)
                except OSError as error:
                    raise PathRefusedError(f"{name!r} is not a directory inside the workspace") from error
                os.close(fd)
                fd = next_fd
            yield fd
        finally:
            os.close(fd)

    def resolve(self, path: str, *, follow_last: bool = True) -> list[str]:
        """Expand ``..`` and symlinks into names under the root, refusing anything that leaves it."""
        pending = list(reversed(_components(path)))
        resolved: list[str] = []
        links = 0
        while pending:
            name = pending.pop()
            if name == ".":
                continue
            if name == "..":
                if not resolved:
                    raise PathRefusedError(f"{path!r} leaves the workspace")
                resolved.pop()
                continue
            target = self._link_target(resolved, name) if (pending or follow_last) else None
            if target is None:
                resolved.append(name)
                continue
            links += 1
            if links > _MAX_LINKS or target.startswith("/"):
                raise PathRefusedError(f"{path!r} goes through a symlink that leaves the workspace")
            pending.extend(reversed([part for part in target.split("/") if part]))
        return resolved

    def _link_target(self, parent: list[str], name: str) -> str | None:
        try:
            with self._walk(parent) as fd:
                info = os.stat(name, dir_fd=fd, follow_symlinks=False)
                return os.readlink(name, dir_fd=fd) if stat.S_ISLNK(info.st_mode) else None
        except FileNotFoundError:
            return None

    def read(self, path: str) -> bytes:
        *parent, name = self.resolve(path) or [""]
        if not name:
            raise PathRefusedError("the workspace itself is not a file")
        with self._walk(parent) as dir_fd:
            try:
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
            except OSError as error:
                if isinstance(error, FileNotFoundError):
                    raise
                raise PathRefusedError(f"{path!r} cannot be opened safely") from error
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise PathRefusedError(f"{path!r} is not a regular file")
            if info.st_size > self.max_read:
                raise PathRefusedError(f"{path!r} is larger than {self.max_read} bytes")
            return handle.read(self.max_read + 1)[: self.max_read]

    def write(
        self, path: str, data: bytes, mode: int = 0o644, *, if_match: str | None = None, create_only: bool = False
    ) -> str:
        """Write ``data`` in place (the file keeps its inode); return its new version.

        With ``if_match`` the file is opened without truncating, its bytes are read and hashed and
        only when they are that version is it truncated and written, all through one descriptor.
        The sandbox's own processes take no lock, so a write of theirs landing between our read
        and our write (a window of one read and one hash) is still overwritten: the check makes
        a stale editor lose against anything it did not see, it is not a transaction.
        ``create_only`` uses ``O_EXCL``, which has no such window.
        """
        *parent, name = self.resolve(path) or [""]
        if not name:
            raise PathRefusedError("the workspace itself is not a file")
        with self._walk(parent, create=True) as dir_fd:
            fd = self._open_for_write(path, name, dir_fd, mode, if_match, create_only)
        with os.fdopen(fd, "r+b") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise PathRefusedError(f"{path!r} is not a regular file")
            if if_match is not None:
                self._check_version(path, handle, if_match)
            handle.seek(0)
            handle.truncate()
            os.fchown(handle.fileno(), self.uid, self.uid)
            os.fchmod(handle.fileno(), mode & 0o777)
            handle.write(data)
        return version_of(data)

    def _open_for_write(
        self, path: str, name: str, dir_fd: int, mode: int, if_match: str | None, create_only: bool
    ) -> int:
        flags = os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        if if_match is None:
            flags |= os.O_CREAT | (os.O_EXCL if create_only else 0)
        try:
            return os.open(name, flags, mode & 0o777, dir_fd=dir_fd)
        except FileExistsError:
            raise VersionConflictError(path, self._version_at(name, dir_fd)) from None
        except FileNotFoundError:
            raise VersionConflictError(path, None) from None  # only without O_CREAT, i.e. with if_match
        except OSError as error:
            raise PathRefusedError(f"{path!r} cannot be written safely: {error.strerror}") from error

    def _check_version(self, path: str, handle: BinaryIO, expected: str) -> None:
        current = version_of(handle.read(self.max_read + 1))
        if current != expected:
            raise VersionConflictError(path, current)

    def _version_at(self, name: str, dir_fd: int) -> str | None:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            return version_of(handle.read(self.max_read + 1))

    def _parent_and_name(self, path: str) -> tuple[list[str], str]:
        """Where ``path`` itself lives (a final symlink is not followed); the workspace itself is refused."""
        *parent, name = self.resolve(path, follow_last=False) or [""]
        if not name:
            raise PathRefusedError("the workspace itself cannot be deleted or moved")
        return parent, name

    def delete(self, path: str) -> None:
        parent, name = self._parent_and_name(path)
        with self._walk(parent) as dir_fd:
            info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode):
                shutil.rmtree(name, dir_fd=dir_fd)  # fd-based on Linux: never follows a link it meets
            else:
                os.unlink(name, dir_fd=dir_fd)

    def rename(self, source: str, target: str) -> None:
        source_parent, source_name = self._parent_and_name(source)
        target_parent, target_name = self._parent_and_name(target)
        if target_parent[: len(source_parent) + 1] == [*source_parent, source_name]:
            raise PathRefusedError(f"{source!r} cannot move into itself")
        with self._walk(source_parent) as source_fd, self._walk(target_parent, create=True) as target_fd:
            os.stat(source_name, dir_fd=source_fd, follow_symlinks=False)  # FileNotFoundError when missing
            try:
                os.rename(source_name, target_name, src_dir_fd=source_fd, dst_dir_fd=target_fd)
            except OSError as error:
                if isinstance(error, FileNotFoundError):
                    raise
                raise PathRefusedError(f"{source!r} cannot be moved to {target!r}: {error.strerror}") from error

    def list(self, path: str = ".") -> list[FileEntry]:
        with self._walk(self.resolve(path)) as dir_fd:
            entries = []
            for name in sorted(os.listdir(dir_fd)):
                try:
                    info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                except FileNotFoundError:
                    continue
                entries.append(
                    FileEntry(
                        name=name,
                        kind=_kind(info.st_mode),
                        size=info.st_size,
                        mode=stat.S_IMODE(info.st_mode),
                        modified=info.st_mtime,
                    )
                )
            return entries


def _kind(mode: int) -> FileKind:
    if stat.S_ISREG(mode):
        return FileKind.FILE
    if stat.S_ISDIR(mode):
        return FileKind.DIRECTORY
    if stat.S_ISLNK(mode):
        return FileKind.SYMLINK
    return FileKind.OTHER


class _HasWorkspace(Protocol):
    async def _workspace(self, env_id: str) -> Workspace: ...


class WorkspaceFiles:
    """The file operations of a runtime whose workspaces are folders on this host (bwrap, docker)."""

    async def read_file(self: _HasWorkspace, env_id: str, path: str) -> bytes:
        return await asyncio.to_thread((await self._workspace(env_id)).read, path)

    async def write_file(
        self: _HasWorkspace,
        env_id: str,
        path: str,
        data: bytes,
        mode: int = 0o644,
        *,
        if_match: str | None = None,
        create_only: bool = False,
    ) -> str:
        workspace = await self._workspace(env_id)
        return await asyncio.to_thread(
            lambda: workspace.write(path, data, mode, if_match=if_match, create_only=create_only)
        )

    async def list_files(self: _HasWorkspace, env_id: str, path: str = ".") -> list[FileEntry]:
        return await asyncio.to_thread((await self._workspace(env_id)).list, path)

    async def delete_file(self: _HasWorkspace, env_id: str, path: str) -> None:
        await asyncio.to_thread((await self._workspace(env_id)).delete, path)

    async def rename_file(self: _HasWorkspace, env_id: str, source: str, target: str) -> None:
        await asyncio.to_thread((await self._workspace(env_id)).rename, source, target)
