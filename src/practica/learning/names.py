"""Names for the global ids in activity entries: users by display name, courses and lessons by title.

Chronicles stores what happened by global id (``gid://practica/User/12``) and
knows nothing of Practica's tables, so the names are looked up here, for a
whole page of entries at once: one query per kind of id the page holds (users,
courses, lessons, checks), whatever the number of entries. An id Practica does
not know (a deleted user, another application's) keeps no name, and the page
shows the id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import distinct_on

from practica.accounts.models import User
from practica.checks.models import CheckAttempt
from practica.events.outbox import APP, gid
from practica.learning.schemas import ActivityPage
from practica.lessons.models import CourseLesson, CourseVersion
from servicekit.reads import Reads

PREFIX = f"gid://{APP}/"


@dataclass
class WantedIds:
    """The ids of a page's entries that name something of Practica's, by kind."""

    users: set[int] = field(default_factory=set)
    courses: set[str] = field(default_factory=set)
    lessons: set[tuple[str, str]] = field(default_factory=set)
    checks: set[int] = field(default_factory=set)

    def add(self, global_id: str) -> None:
        kind, _, local = global_id.removeprefix(PREFIX).partition("/")
        if not global_id.startswith(PREFIX) or not local or "/" in local:
            return
        if kind == "User" and local.isdigit():
            self.users.add(int(local))
        elif kind == "Check" and local.isdigit():
            self.checks.add(int(local))
        elif kind == "Course":
            self.courses.add(local)
        elif kind == "Lesson" and ":" in local:
            course, _, slug = local.partition(":")
            self.lessons.add((course, slug))


async def names_of(reads: Reads, global_ids: Iterable[str | None]) -> dict[str, str]:
    """Each known id's name: a user's display name, a course's or lesson's title (its newest published version's),
    a check's lesson title; unknown ids are left out."""
    wanted = WantedIds()
    for global_id in global_ids:
        if global_id:
            wanted.add(global_id)
    names: dict[str, str] = {}
    if wanted.users:
        rows = await reads.rows(select(User.id, User.display_name).where(User.id.in_(wanted.users)))
        names.update((gid("User", user_id), name) for user_id, name in rows)
    if wanted.courses:
        names.update((gid("Course", course), title) for course, title in await _course_titles(reads, wanted.courses))
    if wanted.lessons:
        rows = await _lesson_titles(reads, wanted.lessons)
        names.update((gid("Lesson", f"{course}:{slug}"), title) for course, slug, title in rows)
    if wanted.checks:
        rows = await reads.rows(
            select(CheckAttempt.id, CourseLesson.title)
            .join(CourseLesson, CourseLesson.id == CheckAttempt.lesson_id)
            .where(CheckAttempt.id.in_(wanted.checks))
        )
        names.update((gid("Check", check_id), title) for check_id, title in rows)
    return names


async def named(reads: Reads, page: ActivityPage) -> ActivityPage:
    """The page with its performers' and subjects' names, where Practica knows them."""
    names = await names_of(reads, [id_ for entry in page.entries for id_ in (entry.performer, entry.subject)])
    entries = [
        entry.model_copy(
            update={"performer_name": names.get(entry.performer or ""), "subject_name": names.get(entry.subject)}
        )
        for entry in page.entries
    ]
    return page.model_copy(update={"entries": entries})


async def _course_titles(reads: Reads, courses: set[str]) -> list[tuple[str, str]]:
    rows = await reads.rows(
        select(CourseVersion.course_id, CourseVersion.title)
        .ext(distinct_on(CourseVersion.course_id))
        .where(CourseVersion.course_id.in_(courses), CourseVersion.published_at.is_not(None))
        .order_by(CourseVersion.course_id, CourseVersion.number.desc())
    )
    return [(course, title) for course, title in rows]


async def _lesson_titles(reads: Reads, lessons: set[tuple[str, str]]) -> list[tuple[str, str, str]]:
    rows = await reads.rows(
        select(CourseVersion.course_id, CourseLesson.slug, CourseLesson.title)
        .join(CourseVersion, CourseVersion.id == CourseLesson.version_id)
        .ext(distinct_on(CourseVersion.course_id, CourseLesson.slug))
        .where(
            tuple_(CourseVersion.course_id, CourseLesson.slug).in_(sorted(lessons)),
            CourseVersion.published_at.is_not(None),
        )
        .order_by(CourseVersion.course_id, CourseLesson.slug, CourseVersion.number.desc())
    )
    return [(course, slug, title) for course, slug, title in rows]
