"""Courses in the database: immutable versions, their lessons, and who learns which version.

A course import that changes anything publishes a new version; versions are
never edited. A learner's enrolment points at one version, so an author's
new version never moves someone mid-lesson: they move when they choose
(:func:`upgrade_to_latest`). Versions being immutable, a web app keeps what
it read of them (:class:`CatalogueCache`, one per app in its services).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cachetools import LRUCache
from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Integer, Text, UniqueConstraint, func, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from practica.db.base import Base
from practica.ids import CourseId, LessonId, LessonSlug, OwnerKey, UserId, VersionId
from practica.lessons.format import Lesson, Visibility
from practica.lessons.stored import LessonDefinition

TIMESTAMP = DateTime(timezone=True)


class Course(Base):
    """A course id and who may publish under it (:mod:`practica.lessons.ownership`).

    ``owner_id``: the author whose version was the course's first; ``organization_id``: the organisation
    of the newest published version (its admins publish too). Neither set: admins only (a course
    imported by an operator, ``practica course import``).
    """

    __tablename__ = "courses"

    id: Mapped[CourseId] = mapped_column(Text, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    owner_id: Mapped[UserId | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    organization_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("organizations.id", ondelete="SET NULL"))


class CourseVersion(Base):
    __tablename__ = "course_versions"

    id: Mapped[VersionId] = mapped_column(BigInteger, Identity(), primary_key=True)
    course_id: Mapped[CourseId] = mapped_column(Text, ForeignKey("courses.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    visibility: Mapped[Visibility] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(TIMESTAMP)  # None: an author's draft, never listed

    __table_args__ = (UniqueConstraint("course_id", "number", name="uq_course_versions_number"),)


class CourseLesson(Base):
    """One lesson of one version: its definition and files (hidden tests never leave the server)."""

    __tablename__ = "course_lessons"

    id: Mapped[LessonId] = mapped_column(BigInteger, Identity(), primary_key=True)
    version_id: Mapped[VersionId] = mapped_column(BigInteger, ForeignKey("course_versions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    slug: Mapped[LessonSlug] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(Text)
    definition: Mapped[Lesson] = mapped_column(LessonDefinition)  # lesson.yaml, validated; read back as the model
    files: Mapped[dict[str, Any]] = mapped_column(JSONB)  # {"starter"|"tests"|"solution": {path: {data, mode}}}

    __table_args__ = (UniqueConstraint("version_id", "slug", name="uq_course_lessons_slug"),)


class Enrollment(Base):
    __tablename__ = "course_enrollments"

    user_key: Mapped[OwnerKey] = mapped_column(Text, primary_key=True)
    course_id: Mapped[CourseId] = mapped_column(Text, ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    version_id: Mapped[VersionId] = mapped_column(BigInteger, ForeignKey("course_versions.id"))
    enrolled_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())


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
    """What one web app remembers of the catalogue (:mod:`practica.learning.catalog` fills and reads it).

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


async def enroll(session: AsyncSession, user_key: OwnerKey, course_id: CourseId) -> Enrollment:
    """Enrol on the latest version; an existing enrolment keeps its version."""
    existing = await session.get(Enrollment, (user_key, course_id))
    if existing is not None:
        return existing
    version = await latest_version(session, course_id)
    if version is None:
        raise LookupError(f"course {course_id!r} has no published version")
    await session.execute(  # two first visits at once make one enrolment
        insert(Enrollment)
        .values(user_key=user_key, course_id=course_id, version_id=version.id)
        .on_conflict_do_nothing()
    )
    enrolled = await session.get(Enrollment, (user_key, course_id), populate_existing=True)
    assert enrolled is not None
    return enrolled


async def upgrade_to_latest(session: AsyncSession, user_key: OwnerKey, course_id: CourseId) -> Enrollment:
    """Move a learner to the newest version (their files in environments stay theirs)."""
    enrollment = await enroll(session, user_key, course_id)
    version = await latest_version(session, course_id)
    assert version is not None
    enrollment.version_id = version.id
    await session.flush()
    return enrollment
