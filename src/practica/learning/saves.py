"""Learners' workspaces kept in the database, so that no eval host holds the only copy of anyone's work.

Every minute the sandbox worker saves the workspaces of the running
environments on its host that were in use lately (the gateway reports use at
most every 30 s, so "lately" is three minutes) and have their files in: the
listing (paths, sizes, modes, times) is compared with the last save's, and
only a changed workspace is read, packed as a gzip-compressed tar of its
regular files (smallest first, up to ``PRACTICA_WORKSPACE_SAVE_MAX_MB``) and
stored in ``workspace_saves``. A learner loses at most that minute.

When an environment has to be made again (its host lost it, or it was
removed), the prepare job (:mod:`practica.learning.workspaces`) puts the
saved files back instead of the starter files.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from procrastinate import JobContext
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import Insert, insert

from practica.environments.models import EnvironmentState, LearnerEnvironment
from practica.hosts.registry import HostError
from practica.hosts.runtimes import runtime_on, up_hosts
from practica.ids import CourseId, LessonSlug, OwnerKey
from practica.jobs.queue import SANDBOX_QUEUE, jobs
from practica.jobs.resources import Sessions, worker_resources
from practica.learning.models import LessonWorkspace, WorkspaceSave
from practica.sandbox.runtime import EnvironmentNotFoundError, EnvironmentNotRunningError, Runtime, SandboxError
from practica.sandbox.spec import FileEntry, FileKind

AUTOSAVE_TASK = "practica.learning.autosave"
RECENTLY = timedelta(minutes=3)
MAX_ENTRIES = 20_000  # a workspace is listed up to this many entries; the rest is left out of its save
log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Listing:
    """A workspace's regular files (path, entry), and how many other entries it has (never saved)."""

    files: list[tuple[str, FileEntry]]
    others: int

    def digest(self) -> str:
        lines = (f"{path}\0{entry.size}\0{entry.mode}\0{entry.modified}" for path, entry in self.files)
        return hashlib.sha256("\n".join([*lines, str(self.others)]).encode()).hexdigest()


@dataclass(frozen=True)
class Archive:
    data: bytes
    digest: str
    files: int
    size_bytes: int
    left_out: int


@dataclass(frozen=True)
class WorkspaceKey:
    user_key: OwnerKey
    course_id: CourseId
    lesson_slug: LessonSlug


async def list_workspace(runtime: Runtime, env_id: str) -> Listing:
    """Every regular file under the workspace, breadth first, up to :data:`MAX_ENTRIES` entries."""
    files: list[tuple[str, FileEntry]] = []
    others, seen, directories = 0, 0, ["."]
    while directories:
        directory = directories.pop(0)
        try:
            entries = await runtime.list_files(env_id, directory)
        except (OSError, SandboxError) as error:
            _reraise_if_gone(error)
            others += 1  # it went away, or is not readable: what was in it is left out
            continue
        for entry in entries:
            seen += 1
            path = entry.name if directory == "." else f"{directory}/{entry.name}"
            if seen > MAX_ENTRIES:
                others += 1
            elif entry.kind is FileKind.DIRECTORY:
                directories.append(path)
            elif entry.kind is FileKind.FILE:
                files.append((path, entry))
            else:
                others += 1
    return Listing(sorted(files), others)


async def archive_workspace(runtime: Runtime, env_id: str, listing: Listing, limit_bytes: int) -> Archive:
    """The listed files packed (smallest first, so that what fits is most of the learner's own), up to the limit.

    The packing and compression run in a thread: the worker's other jobs (a
    learner opening a lesson) go on meanwhile.
    """
    chosen: list[tuple[str, FileEntry, bytes]] = []
    total = 0
    for path, entry in sorted(listing.files, key=lambda item: (item[1].size, item[0])):
        if total + entry.size > limit_bytes:
            break
        data = await _read(runtime, env_id, path)
        if data is not None and total + len(data) <= limit_bytes:
            chosen.append((path, entry, data))
            total += len(data)
    packed = await asyncio.to_thread(_pack, chosen)
    left_out = len(listing.files) - len(chosen) + listing.others
    return Archive(packed, listing.digest(), len(chosen), total, left_out)


def _pack(files: list[tuple[str, FileEntry, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT, compresslevel=6) as tar:
        for path, entry, data in files:
            tar.addfile(_member(path, entry, len(data)), io.BytesIO(data))
    return buffer.getvalue()


def _member(path: str, entry: FileEntry, size: int) -> tarfile.TarInfo:
    member = tarfile.TarInfo(path)
    member.size, member.mode, member.mtime = size, entry.mode & 0o7777, int(entry.modified)
    return member


async def _read(runtime: Runtime, env_id: str, path: str) -> bytes | None:
    try:
        return await runtime.read_file(env_id, path)
    except (OSError, SandboxError) as error:
        _reraise_if_gone(error)
        return None  # deleted since it was listed, or not readable: left out


def _reraise_if_gone(error: Exception) -> None:
    if isinstance(error, EnvironmentNotFoundError | EnvironmentNotRunningError):
        raise error


def saved_files(archive: bytes) -> Iterator[tuple[str, bytes, int]]:
    """(path, content, mode) of each regular file of a save."""
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar:
            extracted = tar.extractfile(member) if member.isreg() else None
            if extracted is not None:
                yield member.name, extracted.read(), member.mode & 0o777


async def restore(runtime: Runtime, env_id: str, archive: bytes) -> int:
    """Write a save's files into the environment (the runtime refuses paths out of the workspace); how many."""
    count = 0
    for path, data, mode in saved_files(archive):
        await runtime.write_file(env_id, path, data, mode)
        count += 1
    return count


@dataclass(frozen=True)
class _Candidate:
    key: WorkspaceKey
    environment_id: str
    made_at: datetime
    digest: str | None


async def _candidates(sessions: Sessions, host: str) -> list[_Candidate]:
    """Running, filled workspaces on this host, in use lately or never saved."""
    query = (
        select(
            LessonWorkspace.user_key,
            LessonWorkspace.course_id,
            LessonWorkspace.lesson_slug,
            LearnerEnvironment.id,
            LearnerEnvironment.made_at,
            WorkspaceSave.digest,
        )
        .join(LearnerEnvironment, LearnerEnvironment.id == LessonWorkspace.environment_id)
        .outerjoin(
            WorkspaceSave,
            (WorkspaceSave.user_key == LessonWorkspace.user_key)
            & (WorkspaceSave.course_id == LessonWorkspace.course_id)
            & (WorkspaceSave.lesson_slug == LessonWorkspace.lesson_slug),
        )
        .where(
            LearnerEnvironment.status == EnvironmentState.RUNNING,
            LearnerEnvironment.host == host,
            LessonWorkspace.prepared_at.is_not(None),
            LessonWorkspace.filled_for == LearnerEnvironment.made_at,
            WorkspaceSave.saved_at.is_(None) | (LearnerEnvironment.last_active_at > func.now() - RECENTLY),
        )
    )
    async with sessions() as session:
        rows = (await session.execute(query)).all()
    return [_Candidate(WorkspaceKey(row[0], row[1], row[2]), row[3], row[4], row[5]) for row in rows]


async def save_workspace(sessions: Sessions, runtime: Runtime, candidate: _Candidate, limit_bytes: int) -> bool:
    """Save one workspace when its listing changed; False when it did not (or its environment was made anew)."""
    listing = await list_workspace(runtime, candidate.environment_id)
    if listing.digest() == candidate.digest:
        return False
    archive = await archive_workspace(runtime, candidate.environment_id, listing, limit_bytes)
    async with sessions() as session, session.begin():
        still_filled = await session.scalar(
            select(LessonWorkspace.filled_for)
            .join(LearnerEnvironment, LearnerEnvironment.id == LessonWorkspace.environment_id)
            .where(
                LessonWorkspace.user_key == candidate.key.user_key,
                LessonWorkspace.course_id == candidate.key.course_id,
                LessonWorkspace.lesson_slug == candidate.key.lesson_slug,
                LessonWorkspace.environment_id == candidate.environment_id,
                LessonWorkspace.filled_for == candidate.made_at,
                LearnerEnvironment.made_at == candidate.made_at,
                LessonWorkspace.prepared_at.is_not(None),
            )
            .with_for_update(of=LessonWorkspace)
        )
        if still_filled is None:  # made anew, reset or moved meanwhile: what was listed is not the learner's files
            return False
        await session.execute(_upsert(candidate, archive))
    log.info(
        "workspace.saved", environment=candidate.environment_id, files=archive.files, size=archive.size_bytes,
        stored=len(archive.data), left_out=archive.left_out,
    )  # fmt: skip
    return True


def _upsert(candidate: _Candidate, archive: Archive) -> Insert:
    values = {
        "environment_id": candidate.environment_id,
        "archive": archive.data,
        "digest": archive.digest,
        "files": archive.files,
        "size_bytes": archive.size_bytes,
        "left_out": archive.left_out,
        "saved_at": func.now(),
    }
    key = {
        "user_key": candidate.key.user_key,
        "course_id": candidate.key.course_id,
        "lesson_slug": candidate.key.lesson_slug,
    }
    return insert(WorkspaceSave).values(**key, **values).on_conflict_do_update(index_elements=list(key), set_=values)


async def save_recent(sessions: Sessions, runtime: Runtime, host: str, limit_bytes: int) -> int:
    """Save every workspace on this host that changed lately; how many were saved."""
    saved = 0
    for candidate in await _candidates(sessions, host):
        try:
            saved += await save_workspace(sessions, runtime, candidate, limit_bytes)
        except SandboxError as error:  # stopped or gone meanwhile: the next tick sees it as it is
            log.warning("workspace.not_saved", environment=candidate.environment_id, error=str(error))
    return saved


@jobs.periodic(cron="* * * * *", periodic_id="workspace-autosave")
@jobs.task(name=AUTOSAVE_TASK, queue=SANDBOX_QUEUE, pass_context=True)
async def autosave(context: JobContext, timestamp: int) -> None:
    resources = worker_resources(context)
    limit = resources.settings.practica_workspace_save_max_mb * 1024 * 1024
    sandbox, sessions = resources.sandbox, resources.sessions
    for host in [sandbox.settings.host_name, *await up_hosts(sessions)]:
        try:
            runtime = await runtime_on(sandbox, sessions, host)
        except (HostError, SandboxError) as error:  # unreachable now: the heartbeat marks it down
            log.warning("workspace.host_not_saved", host=host, error=str(error))
            continue
        await save_recent(sessions, runtime, host, limit)
