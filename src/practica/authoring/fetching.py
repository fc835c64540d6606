"""Fetching a draft imported from a git URL, in its job: a shallow clone, bounded in time and size.

The web request only checks the URL (:func:`practica.authoring.sources.check_git_url`)
and stores the draft as ``fetching``. The job clones with ``--depth 1``
(one commit, no tags) into a scratch directory, watching the directory's
size as git writes it: past ``PRACTICA_IMPORT_MAX_SIZE_MB``, or past
``PRACTICA_IMPORT_CLONE_TIMEOUT`` seconds, git (and the helpers it started)
is killed. Git never asks for credentials (``GIT_TERMINAL_PROMPT=0``): a
private repository fails like a missing one. The clone is then packed and
loaded exactly as an upload is, and stored with its unpublished version.

What the author is to mend (git cannot clone the URL, the repository's
size or time, the course's files, where it may be published) makes the
draft ``failed`` with the reason in ``error`` (and every format problem in
``problems``), and the job ends without failing. Anything else (no git on
the worker, the database) fails the draft and its job, which a retry runs
again (:mod:`practica.authoring.tasks`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import func, update

from practica.accounts.models import User
from practica.authoring.archives import ArchiveError, course_root, pack
from practica.authoring.drafts import DraftError, store_course
from practica.authoring.models import CourseDraft, DraftStatus
from practica.authoring.sources import opened_async
from practica.lessons.loading import LessonFormatError
from practica.lessons.publishing import ImportSourceError
from practica.sandbox.tasks import Sessions
from practica.settings import PracticaSettings

POLL_S = 0.2  # how often the clone's size is measured
GIT_ENV = {"GIT_TERMINAL_PROMPT": "0"}  # a repository asking for credentials fails instead of waiting
log = structlog.get_logger(__name__)


class CloneError(Exception):
    """The repository could not be cloned within the limits; the message says why, for the author."""


def tree_size(directory: Path) -> int:
    """Bytes of the files under ``directory`` (links not followed; files vanishing meanwhile skipped)."""
    total = 0
    for root, _dirs, files in os.walk(directory):
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def _too_big(max_bytes: int) -> CloneError:
    return CloneError(
        f"git_url: the repository is larger than {max_bytes / 1024 / 1024:g} MB even cloned shallowly "
        "(PRACTICA_IMPORT_MAX_SIZE_MB)"
    )


async def _watch(process: asyncio.subprocess.Process, target: Path, timeout_s: float, max_bytes: int) -> None:
    """Wait for git to end; CloneError as soon as the clone is too big or too slow."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    ended = asyncio.ensure_future(process.wait())
    while not ended.done():
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise CloneError(f"git_url: cloning took longer than {timeout_s:g} s (PRACTICA_IMPORT_CLONE_TIMEOUT)")
        await asyncio.wait({ended}, timeout=min(POLL_S, remaining))
        if await asyncio.to_thread(tree_size, target) > max_bytes:
            raise _too_big(max_bytes)


async def clone(url: str, target: Path, *, timeout_s: float, max_bytes: int) -> None:
    """A shallow clone of ``url`` into ``target``, at most ``max_bytes`` (history included), within ``timeout_s``."""
    process = await asyncio.create_subprocess_exec(
        "git", "clone", "--quiet", "--depth", "1", "--single-branch", "--no-tags", "--", url, str(target),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **GIT_ENV}, start_new_session=True,
    )  # fmt: skip
    assert process.stderr is not None
    stderr = asyncio.ensure_future(process.stderr.read())
    try:
        await _watch(process, target, timeout_s, max_bytes)
    finally:
        if process.returncode is None:  # git and the transport helpers it started
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        message = (await stderr).decode(errors="replace").strip()
    if process.returncode != 0:
        raise CloneError(f"git_url: git could not clone it: {message[-500:] or f'exit code {process.returncode}'}")
    if await asyncio.to_thread(tree_size, target) > max_bytes:
        raise _too_big(max_bytes)


async def packed_clone(url: str, *, timeout_s: float, max_bytes: int) -> bytes:
    """The course in the repository at ``url``, packed as an upload is (see :func:`clone` for the limits)."""
    scratch = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="practica-clone-"))
    try:
        target = scratch / "course"
        await clone(url, target, timeout_s=timeout_s, max_bytes=max_bytes)
        return await asyncio.to_thread(lambda: pack(course_root(target)))
    finally:
        await asyncio.to_thread(shutil.rmtree, scratch, True)


async def _fetch_failed(sessions: Sessions, draft_id: int, error: str, problems: list[dict[str, Any]] | None) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            update(CourseDraft)
            .where(CourseDraft.id == draft_id, CourseDraft.status == DraftStatus.FETCHING)
            .values(status=DraftStatus.FAILED, error=error[:2000], problems=problems, finished_at=func.now())
        )
    log.info("authoring.fetch_failed", draft=draft_id, error=error[:200])


async def _store(sessions: Sessions, draft_id: int, archive: bytes) -> bool:
    """Give the draft its course (status validating); False when it is fetching no more (deleted meanwhile)."""
    async with opened_async(archive) as course, sessions() as session, session.begin():
        draft = await session.get(CourseDraft, draft_id, with_for_update=True)
        if draft is None or draft.status != DraftStatus.FETCHING:
            return False
        author = await session.get_one(User, draft.author_id)
        await store_course(session, author, draft, course, archive)
        return True


async def fetch_draft(sessions: Sessions, settings: PracticaSettings, draft_id: int, url: str) -> bytes | None:
    """Clone, pack, load and store the draft's course; its files, or None when that failed (the draft says why)."""
    max_bytes = settings.practica_import_max_size_mb * 1024 * 1024
    try:
        archive = await packed_clone(url, timeout_s=settings.practica_import_clone_timeout, max_bytes=max_bytes)
        return archive if await _store(sessions, draft_id, archive) else None
    except LessonFormatError as error:
        problems = [
            {"file": p.file, "line": p.line, "field": p.field, "message": p.message} for p in error.problems
        ]  # fmt: skip
        await _fetch_failed(sessions, draft_id, f"the course has {len(problems)} problem(s)", problems)
    except DraftError as error:
        await _fetch_failed(sessions, draft_id, error.detail, None)
    except (CloneError, ArchiveError, ImportSourceError) as error:
        await _fetch_failed(sessions, draft_id, str(error), None)
    return None
