"""Publishing a course directory (or a git repository) as a new immutable version."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.models import Organization
from practica.events.outbox import gid, record_event
from practica.ids import CourseId, VersionId
from practica.lessons.errors import ImportSourceError
from practica.lessons.files import FileData, read_tree
from practica.lessons.format import Visibility, organization_of
from practica.lessons.loading import LoadedCourse, LoadedLesson
from practica.lessons.models import Course, CourseLesson, CourseVersion
from practica.lessons.queries import latest_version

GIT_PREFIXES = ("http://", "https://", "git://", "ssh://", "file://", "git@")


@dataclass
class Publication:
    course_id: CourseId
    version: int
    changed: bool
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    version_id: VersionId | None = None  # the stored version (the unchanged one when nothing changed)


@contextmanager
def checked_out(source: str) -> Iterator[Path]:
    """A local directory as it is, or a shallow clone of a git URL (removed afterwards)."""
    if not source.startswith(GIT_PREFIXES):
        yield Path(source)
        return
    with tempfile.TemporaryDirectory(prefix="practica-import-") as scratch:
        target = Path(scratch) / "course"
        clone = subprocess.run(
            ["git", "clone", "--quiet", "--depth", "1", "--", source, str(target)],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        if clone.returncode != 0:
            raise ImportSourceError(f"git clone {source} failed: {clone.stderr.strip()[-500:]}")
        yield target


def _files(loaded: LoadedLesson, relative: str) -> dict[str, Any]:
    tree: dict[str, FileData] = read_tree(loaded.path(relative))
    return {path: {"data": base64.b64encode(file.data).decode(), "mode": file.mode} for path, file in tree.items()}


def lesson_record(loaded: LoadedLesson, position: int) -> dict[str, Any]:
    lesson = loaded.lesson
    files = {"starter": _files(loaded, lesson.starter), "tests": _files(loaded, lesson.tests)}
    files["solution"] = _files(loaded, lesson.solution)
    definition = lesson.model_dump(mode="json")
    digest = hashlib.sha256(json.dumps([definition, files], sort_keys=True).encode()).hexdigest()
    return {
        "position": position,
        "slug": lesson.id,
        "title": lesson.title,
        "content_hash": digest,
        "definition": lesson,
        "files": files,
    }


async def publish(
    session: AsyncSession, loaded: LoadedCourse, source: str, performer: str | None, *, published: bool = True
) -> Publication:
    """Store a new version when the content changed (in the caller's transaction), and say what changed.

    With ``published=False`` the version is an author's draft (a preview before publishing): always
    stored, numbered below zero (-1, -2, …) so that published numbers stay consecutive, left out of
    the catalogue (``published_at`` unset) and announced to nobody. A web app that publishes tells its
    own catalogue (:meth:`~practica.lessons.queries.CatalogueCache.note_published`), so the version
    shows there at once; other processes see it within a second.
    """
    if loaded.course is None:
        raise ImportSourceError(f"{loaded.directory}: a course needs course.yaml (this is a single lesson)")
    course = loaded.course
    lessons = [lesson_record(item, position) for position, item in enumerate(loaded.lessons)]
    header = course.model_dump(mode="json")
    content_hash = hashlib.sha256(
        json.dumps([header, [lesson["content_hash"] for lesson in lessons]]).encode()
    ).hexdigest()
    await session.execute(insert(Course).values(id=course.id).on_conflict_do_nothing())
    await session.execute(select(Course).where(Course.id == course.id).with_for_update())
    previous = await latest_version(session, course.id)
    if published and previous is not None and previous.content_hash == content_hash:
        return Publication(course.id, previous.number, changed=False, version_id=previous.id)
    if published:
        number = (previous.number + 1) if previous else 1
    else:
        number = await _draft_number(session, course.id)
    version = CourseVersion(
        course_id=course.id,
        number=number,
        title=course.title,
        summary=course.summary,
        visibility=course.audience,
        content_hash=content_hash,
        source=source,
        published_at=func.now() if published else None,
    )
    session.add(version)
    await session.flush()
    session.add_all(CourseLesson(version_id=version.id, **record) for record in lessons)
    if published:
        await _follow_visibility(session, course.id, version.visibility)
    publication = await _compare(session, course.id, version.number, previous, lessons)
    publication.version_id = version.id
    if published:
        await _announce(session, version, publication, len(lessons), performer)
    return publication


async def _follow_visibility(session: AsyncSession, course_id: CourseId, visibility: Visibility) -> None:
    """The course belongs to the organisation of its newest version (whose admins may then publish it)."""
    organization_id, organization = None, organization_of(visibility)
    if organization is not None:
        organization_id = await session.scalar(select(Organization.id).where(Organization.slug == organization))
    await session.execute(update(Course).where(Course.id == course_id).values(organization_id=organization_id))


async def _draft_number(session: AsyncSession, course_id: CourseId) -> int:
    lowest = await session.scalar(
        select(func.min(CourseVersion.number)).where(CourseVersion.course_id == course_id, CourseVersion.number < 0)
    )
    return (lowest or 0) - 1


async def _announce(
    session: AsyncSession, version: CourseVersion, publication: Publication, lessons: int, performer: str | None
) -> None:
    """Record ``course.published`` for Chronicles."""
    organization = organization_of(version.visibility)
    payload: dict[str, Any] = {
        "course": {"id": version.course_id, "title": version.title}, "version": version.number, "lessons": lessons,
        "added": publication.added, "updated": publication.updated, "removed": publication.removed,
        "visibility": "public" if organization is None else "private",
    }  # fmt: skip
    if organization is not None:
        payload["org"] = organization
    await record_event(session, subject=gid("Course", version.course_id), action="course.published",
                       performer=performer, payload=payload)  # fmt: skip


async def _compare(
    session: AsyncSession,
    course_id: CourseId,
    number: int,
    previous: CourseVersion | None,
    lessons: list[dict[str, Any]],
) -> Publication:
    before: dict[str, str] = {}
    if previous is not None:
        rows = await session.execute(
            select(CourseLesson.slug, CourseLesson.content_hash).where(CourseLesson.version_id == previous.id)
        )
        before = {row.slug: row.content_hash for row in rows}
    now = {lesson["slug"]: lesson["content_hash"] for lesson in lessons}
    return Publication(
        course_id,
        number,
        changed=True,
        added=[slug for slug in now if slug not in before],
        updated=[slug for slug in now if slug in before and before[slug] != now[slug]],
        removed=[slug for slug in before if slug not in now],
    )
