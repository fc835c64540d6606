"""Read models of the catalogue and what reads them: version headers and lesson pages, kept once read.

Versions being immutable, a web app keeps what it read of them in its
:class:`CatalogueCache` (one per app, in its services); :mod:`practica.learning.queries`
fills and reads it. :func:`latest_version` is the newest published version as a row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cachetools import LRUCache
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from practica.ids import CourseId, LessonId, LessonSlug, VersionId
from practica.lessons.format import Lesson, Visibility
from practica.lessons.models import CourseVersion


@dataclass(frozen=True)
class VersionInfo:
    """A course version's header: immutable, so every process may keep it."""

    id: VersionId
    course_id: CourseId
    number: int
    title: str
    summary: str
    visibility: Visibility


@dataclass(frozen=True)
class LessonInfo:
    """What the lesson page shows of a lesson (never its files): immutable, kept once read."""

    id: LessonId
    slug: LessonSlug
    title: str
    definition: Lesson
    starter_paths: tuple[str, ...]


KEPT = 10_000  # entries of each kind a catalogue cache holds, least recently used first out

LessonTitles = tuple[tuple[LessonSlug, str], ...]  # (slug, title) of a version's lessons, in order
Newest = tuple[float, int, list[VersionInfo]]  # when read (monotonic), ``published`` then, the newest versions


def _kept() -> LRUCache[Any, Any]:
    return LRUCache(maxsize=KEPT)


@dataclass
class CatalogueCache:
    """What one web app remembers of the catalogue (:mod:`practica.learning.queries` fills and reads it).

    Versions never change, so their headers, lesson lists and lesson pages are
    kept once read. Each course's newest version (and the list of all of
    them, under ``None``) is read again about once a second; ``published``
    counts the versions published through this app, so that one of those
    shows at once (:meth:`note_published`).
    """

    headers: LRUCache[VersionId, VersionInfo] = field(default_factory=_kept)
    lessons: LRUCache[VersionId, LessonTitles] = field(default_factory=_kept)
    pages: LRUCache[tuple[VersionId, LessonSlug], LessonInfo] = field(default_factory=_kept)
    newest: LRUCache[CourseId | None, Newest] = field(default_factory=_kept)
    refreshing: set[CourseId | None] = field(default_factory=set)  # newest versions being read again right now
    published: int = 0
    timer: Callable[[], float] = time.monotonic  # when ``newest`` entries were read (tests stop it)

    def note_published(self) -> None:
        """A version was published through this app: its readers read the newest versions again."""
        self.published += 1


async def latest_version(session: AsyncSession, course_id: CourseId) -> CourseVersion | None:
    query = select(CourseVersion).where(CourseVersion.course_id == course_id).order_by(CourseVersion.number.desc())
    query = query.where(CourseVersion.published_at.is_not(None))
    return (await session.scalars(query.limit(1))).first()
