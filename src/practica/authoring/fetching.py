"""Fetching a draft imported from a git URL, in its job: a shallow clone, bounded in time and size.

The web request only checks the URL (:func:`practica.authoring.sources.check_git_url`)
and stores the draft as ``fetching``. The job resolves the host again (its
addresses must be public, or in ``PRACTICA_IMPORT_ALLOWED_NETWORKS``) and
clones with ``--depth 1`` (one commit, no tags, no submodules, no redirects,
connections pinned to the addresses just checked) into a scratch directory,
in a sandbox (:mod:`practica.sandbox.confined`): an unprivileged uid, only
that directory writable, its size watched as git writes it. Past
``PRACTICA_IMPORT_MAX_SIZE_MB``, or past ``PRACTICA_IMPORT_CLONE_TIMEOUT``
seconds, git (and the helpers it started) is killed. Git never asks for
credentials (``GIT_TERMINAL_PROMPT=0``): a private repository fails like a
missing one. Links in the clone are dropped; the clone is then packed and
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
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import structlog
from sqlalchemy import func, update

from practica.accounts.models import User
from practica.authoring.archives import ArchiveError, course_root, pack
from practica.authoring.drafts import store_course
from practica.authoring.errors import SourceRefusedError
from practica.authoring.models import CourseDraft, DraftStatus
from practica.authoring.sources import LOCAL_GIT, Network, Remote, opened_async, resolve_remote
from practica.errors import PracticaError
from practica.jobs.resources import Sessions
from practica.lessons.errors import ImportSourceError
from practica.lessons.loading import LessonFormatError
from practica.sandbox.confined import (
    Confinement,
    LimitExceededError,
    UntrustedTreeError,
    prepare_target,
    run_confined,
    untrusted_tree,
)
from practica.settings import PracticaSettings

# No prompts (a repository asking for credentials fails), no system or user configuration.
GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"}
MAX_FILES = 100_000
log = structlog.get_logger(__name__)


class CloneError(Exception):
    """The repository could not be cloned within the limits; the message says why, for the author."""


def _too_big(max_bytes: int) -> CloneError:
    return CloneError(
        f"git_url: the repository is larger than {max_bytes / 1024 / 1024:g} MB even cloned shallowly "
        "(PRACTICA_IMPORT_MAX_SIZE_MB)"
    )


def git_argv(url: str, target: Path, remote: Remote | None) -> list[str]:
    """``git clone`` with everything a hostile remote could use switched off, pinned to ``remote``'s addresses."""
    options = ["-c", "http.followRedirects=false", "-c", "core.symlinks=false", "-c", "protocol.ext.allow=never"]
    if remote is not None:
        pins = ",".join(f"[{a}]" if ":" in a else a for a in remote.addresses)
        options += ["-c", f"http.curloptResolve={remote.host}:{remote.port}:{pins}"]
    clone = ["clone", "--quiet", "--depth", "1", "--single-branch", "--no-tags", "--no-recurse-submodules"]
    return ["git", *options, *clone, "--", url, str(target)]


async def clone(
    url: str,
    target: Path,
    *,
    timeout_s: float,
    max_bytes: int,
    uid: int = 999_999,
    allowed: Sequence[Network] = (),
) -> None:
    """A shallow clone of ``url`` into ``target``, at most ``max_bytes`` (history included), within ``timeout_s``.

    Runs confined as ``uid``; a remote URL's host must resolve to public addresses (or ``allowed``).
    """
    local = url.startswith(LOCAL_GIT)
    remote = None if local else await _remote(url, allowed)
    read_only: tuple[Path, ...] = ()
    if local:
        copy = target.parent / f".{target.name}.source"
        url, read_only = await asyncio.to_thread(_local_copy, Path(urlsplit(url).path), copy, uid)
    confinement = Confinement(
        target=target, read_only=read_only, network=not local, timeout_s=timeout_s, max_bytes=max_bytes,
        uid=uid, env=GIT_ENV, cpu_s=max(1, int(timeout_s)),
        # git deletes a pack it could not finish: let it finish (within bounds) so that the size is seen.
        max_file_bytes=4 * max_bytes + 64 * 1024 * 1024,
    )  # fmt: skip
    await asyncio.to_thread(prepare_target, confinement)
    try:
        done = await run_confined(git_argv(url, target, remote), confinement, what="cloning")
    except LimitExceededError as error:
        if "wrote more than" in str(error):
            raise _too_big(max_bytes) from None
        raise CloneError(f"git_url: cloning took longer than {timeout_s:g} s (PRACTICA_IMPORT_CLONE_TIMEOUT)") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise CloneError(f"git_url: git could not clone it: {message[-500:] or f'exit code {done.returncode}'}")
    try:
        await asyncio.to_thread(untrusted_tree, target, max_entries=MAX_FILES, max_bytes=max_bytes, drop_links=True)
    except UntrustedTreeError as error:
        message = str(error)
        raise (
            _too_big(max_bytes)
            if message.startswith("more than") and "MB" in message
            else CloneError(f"git_url: {message}")
        ) from None


def _local_copy(source: Path, copy: Path, uid: int) -> tuple[str, tuple[Path, ...]]:
    """A file:// repository (development only) copied for the sandbox's uid (git wants to own it); links stay links."""
    if not source.is_dir():
        return f"file://{source}", ()  # git, in the sandbox, says what is wrong with it
    shutil.copytree(source, copy, symlinks=True)
    if os.geteuid() == 0:
        for root, dirs, files in os.walk(copy):
            for name in [*dirs, *files]:
                os.lchown(os.path.join(root, name), uid, uid)
        os.lchown(copy, uid, uid)
    return f"file://{copy}", (copy,)


async def _remote(url: str, allowed: Sequence[Network]) -> Remote:
    try:
        return await resolve_remote(url, allowed)
    except SourceRefusedError as error:
        raise CloneError(str(error)) from None


async def packed_clone(url: str, settings: PracticaSettings) -> bytes:
    """The course in the repository at ``url``, packed as an upload is (see :func:`clone` for the limits)."""
    scratch = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="practica-clone-"))
    try:
        target = scratch / "course"
        await clone(
            url, target, timeout_s=settings.practica_import_clone_timeout,
            max_bytes=settings.practica_import_max_size_mb * 1024 * 1024, uid=settings.practica_import_uid,
            allowed=settings.practica_import_allowed_networks,
        )  # fmt: skip
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
    try:
        archive = await packed_clone(url, settings)
        return archive if await _store(sessions, draft_id, archive) else None
    except LessonFormatError as error:
        problems = [
            {"file": p.file, "line": p.line, "field": p.field, "message": p.message} for p in error.problems
        ]  # fmt: skip
        await _fetch_failed(sessions, draft_id, f"the course has {len(problems)} problem(s)", problems)
    except PracticaError as error:
        await _fetch_failed(sessions, draft_id, error.detail, None)
    except (CloneError, ArchiveError, ImportSourceError) as error:
        await _fetch_failed(sessions, draft_id, str(error), None)
    return None
