"""The catalogue a learner sees: visible courses, the version each is on, and their progress.

A course is visible when its newest version is public or belongs to one of
the learner's organisations. A learner enrolled on a course sees the version
they enrolled on (they move to a newer one when they choose); everyone else
sees the newest. A handful of queries whatever the number of courses: the
lessons' definitions and files are never loaded for the catalogue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from practica.checks.models import LessonCompletion
from practica.lessons.catalog import CourseLesson, CourseVersion, Enrollment


class NotVisibleError(LookupError):
    """No such course or lesson for this learner (private courses answer the same as missing ones)."""


@dataclass
class LessonEntry:
    slug: str
    title: str
    completed: bool


@dataclass
class CourseEntry:
    id: str
    title: str
    summary: str
    version: int
    newest_version: int
    organization: str | None
    lessons: list[LessonEntry] = field(default_factory=list)

    @property
    def completed(self) -> int:
        return sum(lesson.completed for lesson in self.lessons)


def _visible(organizations: Collection[str]) -> list[str]:
    return ["public", *organizations]


async def _newest_versions(session: AsyncSession, course_id: str | None = None) -> list[CourseVersion]:
    query = select(CourseVersion).ext(distinct_on(CourseVersion.course_id))
    if course_id is not None:
        query = query.where(CourseVersion.course_id == course_id)
    query = query.order_by(CourseVersion.course_id, CourseVersion.number.desc())
    return list(await session.scalars(query))


async def _versions_in_use(
    session: AsyncSession, user_key: str | None, newest: list[CourseVersion]
) -> list[CourseVersion]:
    """Each course's enrolled version for this learner, else its newest."""
    if user_key is None or not newest:
        return newest
    enrolled = await session.scalars(
        select(CourseVersion)
        .join(Enrollment, Enrollment.version_id == CourseVersion.id)
        .where(Enrollment.user_key == user_key, Enrollment.course_id.in_([v.course_id for v in newest]))
    )
    by_course = {version.course_id: version for version in enrolled}
    return [by_course.get(version.course_id, version) for version in newest]


async def courses(
    session: AsyncSession, user_key: str | None, organizations: Collection[str], course_id: str | None = None
) -> list[CourseEntry]:
    newest = [v for v in await _newest_versions(session, course_id) if v.visibility in _visible(organizations)]
    in_use = await _versions_in_use(session, user_key, newest)
    rows = await session.execute(
        select(CourseLesson.version_id, CourseLesson.slug, CourseLesson.title)
        .where(CourseLesson.version_id.in_([version.id for version in in_use]))
        .order_by(CourseLesson.version_id, CourseLesson.position)
    )
    lessons: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for version_id, slug, title in rows:
        lessons[version_id].append((slug, title))
    done = await _completions(session, user_key, [version.course_id for version in in_use])
    entries = []
    for version, latest in zip(in_use, newest, strict=True):
        entry = CourseEntry(
            id=version.course_id,
            title=version.title,
            summary=version.summary,
            version=version.number,
            newest_version=latest.number,
            organization=None if version.visibility == "public" else version.visibility,
        )
        entry.lessons = [
            LessonEntry(slug, title, (version.course_id, slug) in done) for slug, title in lessons[version.id]
        ]
        entries.append(entry)
    return entries


async def _completions(session: AsyncSession, user_key: str | None, course_ids: list[str]) -> set[tuple[str, str]]:
    if user_key is None or not course_ids:
        return set()
    rows = await session.execute(
        select(LessonCompletion.course_id, LessonCompletion.lesson_slug).where(
            LessonCompletion.user_key == user_key, LessonCompletion.course_id.in_(course_ids)
        )
    )
    return {(course_id, slug) for course_id, slug in rows}


async def lesson_of(
    session: AsyncSession, user_key: str, organizations: Collection[str], course_id: str, slug: str
) -> tuple[CourseVersion, CourseLesson]:
    """The lesson as the learner sees it (their version), or :class:`NotVisibleError`."""
    newest = await _newest_versions(session, course_id)
    if not newest or newest[0].visibility not in _visible(organizations):
        raise NotVisibleError(f"no course {course_id!r}")
    (version,) = await _versions_in_use(session, user_key, newest)
    lesson = await session.scalar(
        select(CourseLesson).where(CourseLesson.version_id == version.id, CourseLesson.slug == slug)
    )
    if lesson is None:
        raise NotVisibleError(f"no lesson {slug!r} in course {course_id!r} version {version.number}")
    return version, lesson
