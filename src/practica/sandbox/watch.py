"""Following what changes in a workspace on this host, with inotify (``Runtime.watch_files``).

The workspace belongs to hostile code, so:

- Directories are opened openat-style without following links (the
  workspace's own walk) and watched through
  ``/proc/self/fd/N`` of that descriptor: a symlink, or a directory swapped
  for one, never makes us watch anything outside the workspace. inotify
  reports names; nothing here opens or reads the files it reports.
- At most ``max_directories`` directories are watched. Past that the watch
  says so (``overflow``) and repeats an ``overflow`` every few seconds: the
  client then re-reads what it shows (polling), instead of the gateway
  holding watches without bound.
- Changes wait merged per path (at most :data:`MAX_PENDING` paths, else one
  ``overflow``) and go out at most every :data:`DEBOUNCE` seconds: a write
  loop in the sandbox costs the gateway a bounded dict and one batch per
  period, whatever its rate. The kernel's queue is bounded too; its overflow
  becomes ``overflow`` as well.
- The iterator ends when the workspace is unmounted (the environment stopped,
  in whichever process stopped it).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncGenerator, Awaitable, Iterator
from contextlib import suppress

from asyncinotify import Event, Inotify, Mask, Watch

from practica.sandbox.files import Workspace
from practica.sandbox.runtime import PathRefusedError
from practica.sandbox.spec import ChangeKind, FileChange

DEBOUNCE = 0.1
MAX_PENDING = 256
POLL_WHEN_PARTIAL = 5.0
DIRECTORY_MASK = (
    Mask.CREATE
    | Mask.DELETE
    | Mask.MODIFY
    | Mask.CLOSE_WRITE
    | Mask.MOVED_FROM
    | Mask.MOVED_TO
    | Mask.ONLYDIR
    | Mask.EXCL_UNLINK
)


def _join(directory: str, name: str) -> str:
    name = os.path.normpath(name)
    if name == ".":
        return directory
    return f"{directory}/{name}" if directory else name


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory + "/")


def _merge(previous: ChangeKind | None, new: ChangeKind) -> ChangeKind:
    """One change for a path that changed several times within a batch."""
    if previous is ChangeKind.CREATED and new is ChangeKind.MODIFIED:
        return ChangeKind.CREATED
    if previous in (ChangeKind.DELETED, ChangeKind.MOVED) and new is ChangeKind.CREATED:
        return ChangeKind.MODIFIED  # there again, with other bytes
    return new


class _Pending:
    """Changes not sent yet: one per path, at most ``MAX_PENDING`` paths, else a single overflow."""

    def __init__(self) -> None:
        self.changes: dict[str, ChangeKind] = {}
        self.overflow = False
        self.arrived = asyncio.Event()

    def add(self, path: str, kind: ChangeKind) -> None:
        if kind is ChangeKind.OVERFLOW or (path not in self.changes and len(self.changes) >= MAX_PENDING):
            self.overflow = True
            self.changes.clear()
        elif not self.overflow:
            self.changes[path] = _merge(self.changes.get(path), kind)
        self.arrived.set()

    def take(self) -> list[FileChange]:
        taken = [FileChange(path="", kind=ChangeKind.OVERFLOW)] if self.overflow else []
        taken += [FileChange(path=path, kind=kind) for path, kind in self.changes.items()]
        self.changes.clear()
        self.overflow = False
        self.arrived.clear()
        return taken


class _Tree:
    """The watched directories of one workspace: each watch and the directory it stands for."""

    def __init__(self, inotify: Inotify, workspace: Workspace, max_directories: int) -> None:
        self.inotify = inotify
        self.workspace = workspace
        self.max_directories = max_directories
        self.watches: dict[int, tuple[Watch, str]] = {}
        self.partial = False

    def add(self, directory: str) -> list[str]:
        """Watch ``directory`` and what is below it; the paths found there (new to whoever watches).

        Each directory is watched before it is listed (what appears meanwhile is reported by the
        watch) and listed lazily; the directories waiting and the names kept stay within the caps,
        whatever a learner puts in one directory.
        """
        found: list[str] = []
        waiting = [directory]
        while waiting:
            here = waiting.pop()
            if len(self.watches) >= self.max_directories:
                self.partial = True
                return found
            for path, is_directory in self._watch_and_list(here):
                if len(found) <= MAX_PENDING:
                    found.append(path)
                if is_directory:
                    if len(self.watches) + len(waiting) >= self.max_directories:
                        self.partial = True
                    else:
                        waiting.append(path)
        return found

    def _watch_and_list(self, directory: str) -> Iterator[tuple[str, bool]]:
        try:
            with self.workspace._walk(directory.split("/") if directory else []) as fd:
                watch = self.inotify.add_watch(f"/proc/self/fd/{fd}", DIRECTORY_MASK)
                self.watches[watch.wd] = (watch, directory)
                with os.scandir(fd) as entries:
                    for entry in entries:
                        yield _join(directory, entry.name), entry.is_dir(follow_symlinks=False)
        except (OSError, PathRefusedError):
            return  # gone, or swapped for something else, meanwhile: its parent's events tell what happened

    def forget(self, directory: str) -> None:
        """A directory left (moved or deleted): its watches, and those below it, go."""
        for wd, (watch, path) in list(self.watches.items()):
            if _within(path, directory):
                del self.watches[wd]
                with suppress(OSError):
                    self.inotify.rm_watch(watch)

    def path_of(self, event: Event) -> str | None:
        watch = event.watch
        known = self.watches.get(watch.wd) if watch is not None else None
        if known is None:
            return None
        return _join(known[1], str(event.name)) if event.name is not None else known[1]


def _kind_of(mask: Mask) -> ChangeKind | None:
    if Mask.CREATE in mask or Mask.MOVED_TO in mask:
        return ChangeKind.CREATED
    if Mask.DELETE in mask:
        return ChangeKind.DELETED
    if Mask.MOVED_FROM in mask:
        return ChangeKind.MOVED
    if Mask.MODIFY in mask or Mask.CLOSE_WRITE in mask:
        return ChangeKind.MODIFIED
    return None


def _readable(path: str) -> bool:
    """Only names the file API can take (valid UTF-8) are reported."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def _follow(inotify: Inotify, tree: _Tree, pending: _Pending) -> None:
    """Turn inotify events into pending changes until the workspace is unmounted."""
    async for event in inotify:
        if Mask.UNMOUNT in event.mask:
            return
        if Mask.Q_OVERFLOW in event.mask:
            pending.add("", ChangeKind.OVERFLOW)
            continue
        if Mask.IGNORED in event.mask:
            if event.watch is not None and tree.watches.pop(event.watch.wd, (None, None))[1] == "":
                return  # the workspace itself is gone
            continue
        kind, path = _kind_of(event.mask), tree.path_of(event)
        if kind is None or path is None or not _readable(path):
            continue
        pending.add(path, kind)
        if Mask.ISDIR in event.mask:
            _directory_changed(tree, pending, path, kind)


def _directory_changed(tree: _Tree, pending: _Pending, path: str, kind: ChangeKind) -> None:
    if kind is ChangeKind.CREATED:
        for found in tree.add(path):  # what was made in it before its watch was in place
            if _readable(found):
                pending.add(found, ChangeKind.CREATED)
        if tree.partial:
            pending.add("", ChangeKind.OVERFLOW)
    else:
        tree.forget(path)


async def watch_workspace(workspace: Awaitable[Workspace], max_directories: int) -> AsyncGenerator[list[FileChange]]:
    """Batches of changes; the first (empty) once the watch is in place, so nothing later is missed."""
    found = await workspace
    with Inotify() as inotify:
        tree = _Tree(inotify, found, max_directories)
        await asyncio.to_thread(tree.add, "")
        yield []
        pending = _Pending()
        follower = asyncio.create_task(_follow(inotify, tree, pending))
        try:
            async for batch in _batches(follower, tree, pending):
                yield batch
        finally:
            follower.cancel()
            with suppress(asyncio.CancelledError):
                await follower


async def _batches(follower: asyncio.Task[None], tree: _Tree, pending: _Pending) -> AsyncGenerator[list[FileChange]]:
    """What is pending, once a period; an overflow now and then while not every directory is watched."""
    while not follower.done():
        waiting = asyncio.create_task(pending.arrived.wait())
        try:
            await asyncio.wait(
                {waiting, follower},
                timeout=POLL_WHEN_PARTIAL if tree.partial else None,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            waiting.cancel()
            with suppress(asyncio.CancelledError):
                await waiting
        if tree.partial and not pending.arrived.is_set():
            pending.add("", ChangeKind.OVERFLOW)
        await asyncio.sleep(DEBOUNCE)
        if pending.arrived.is_set():
            yield pending.take()
    error = follower.exception()
    if error is not None:
        raise error
