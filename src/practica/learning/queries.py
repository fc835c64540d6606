"""What the learner's API reads: the catalogue as a learner sees it, the lesson page, their environment.

A course is visible when its newest version is public or belongs to one of
the learner's organisations (private courses answer 404 to non-members, as
missing ones do: :class:`NotVisibleError`). A learner enrolled on a course
sees the version they enrolled on (they move to a newer one when they
choose); everyone else sees the newest. A handful of queries whatever the
number of courses: the lessons' definitions and files are never loaded for
the catalogue. What a web app remembers comes in as arguments, from the
route's services: its :class:`~practica.lessons.queries.CatalogueCache`
(``cache``/``catalogue``) and its
:class:`~practica.accounts.memberships.RecentMemberships`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import CompoundSelect, Text, bindparam, cast, func, literal, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY, distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.memberships import RecentMemberships
from practica.accounts.models import User
from practica.checks.models import LessonCompletion
from practica.checks.queries import disclosed_hints, lesson_state
from practica.ids import CourseId, LessonSlug, OrganizationSlug, OwnerKey, VersionId, learner_key
from practica.learning.errors import NO_ENVIRONMENT, LearningError, NotVisibleError
from practica.learning.schemas import CourseRef, LessonLink, LessonView
from practica.learning.workspaces import WorkspaceState, workspace_state
from practica.lessons.format import organization_of, visible_to
from practica.lessons.models import CourseLesson, CourseVersion, Enrollment
from practica.lessons.queries import CatalogueCache, LessonInfo, LessonTitles, VersionInfo
from practica.lessons.stored import stored_lesson
from servicekit.reads import Reads, SessionReads


@dataclass
class LessonEntry:
    """A lesson of a course entry, read model of :class:`~practica.learning.schemas.LessonSummary`."""

    slug: str
    title: str
    completed: bool


@dataclass
class CourseEntry:
    """A course as a learner sees it, read model of :class:`~practica.learning.schemas.CourseView`."""

    id: CourseId
    title: str
    summary: str
    version: int
    newest_version: int
    organization: OrganizationSlug | None
    lessons: list[LessonEntry] = field(default_factory=list)

    @property
    def completed(self) -> int:
        return sum(lesson.completed for lesson in self.lessons)

    @property
    def total(self) -> int:
        return len(self.lessons)


_VERSION_INFO = (
    CourseVersion.id,
    CourseVersion.course_id,
    CourseVersion.number,
    CourseVersion.title,
    CourseVersion.summary,
    CourseVersion.visibility,
)


async def _newest_versions(reads: Reads, course_id: CourseId | None = None) -> list[VersionInfo]:
    query = select(*_VERSION_INFO).ext(distinct_on(CourseVersion.course_id))
    query = query.where(CourseVersion.published_at.is_not(None))
    if course_id is not None:
        query = query.where(CourseVersion.course_id == course_id)
    query = query.order_by(CourseVersion.course_id, CourseVersion.number.desc())
    return [VersionInfo(*row) for row in await reads.rows(query)]


NEWEST_FOR_S = 1.0


async def newest_versions(cache: CatalogueCache, reads: Reads, course_id: CourseId | None = None) -> list[VersionInfo]:
    """Each course's newest published version, read about once a second per app.

    A version published through this app shows at once; one published
    elsewhere within :data:`NEWEST_FOR_S` and one query. Single flight: when
    the answer is due for a refresh, the first request reads it again and
    the requests arriving meanwhile keep the previous answer, instead of all
    of them sending the same query at the same moment.
    """
    now, generation = cache.timer(), cache.published
    remembered = cache.newest.get(course_id)
    fresh = remembered is not None and now - remembered[0] < NEWEST_FOR_S
    if remembered is not None and remembered[1] == generation and (fresh or course_id in cache.refreshing):
        return remembered[2]
    cache.refreshing.add(course_id)
    try:
        versions = await _newest_versions(reads, course_id)
    finally:
        cache.refreshing.discard(course_id)
    cache.newest[course_id] = (now, generation, versions)
    return versions


@dataclass
class Progress:
    enrolled: dict[CourseId, VersionId] = field(default_factory=dict)
    completed: set[tuple[CourseId, LessonSlug]] = field(default_factory=set)


def _progress_statement() -> CompoundSelect[Any]:
    """Built once: composing a statement costs more than running this one."""
    user_key, course_ids = bindparam("user_key", type_=Text), bindparam("course_ids", type_=ARRAY(Text))
    enrolled = select(literal("enrolled"), Enrollment.course_id, cast(Enrollment.version_id, Text)).where(
        Enrollment.user_key == user_key, Enrollment.course_id == func.any(course_ids)
    )
    completed = select(literal("completed"), LessonCompletion.course_id, LessonCompletion.lesson_slug).where(
        LessonCompletion.user_key == user_key, LessonCompletion.course_id == func.any(course_ids)
    )
    return union_all(enrolled, completed)


_PROGRESS = _progress_statement()


async def _progress(reads: Reads, user_key: OwnerKey | None, course_ids: list[CourseId]) -> Progress:
    """The learner's enrolments and completed lessons in these courses, in one round trip."""
    progress = Progress()
    if user_key is None or not course_ids:
        return progress
    for kind, course_id, value in await reads.rows(_PROGRESS, {"user_key": user_key, "course_ids": course_ids}):
        if kind == "enrolled":
            progress.enrolled[course_id] = VersionId(int(value))
        else:
            progress.completed.add((course_id, value))
    return progress


async def _headers(cache: CatalogueCache, reads: Reads, ids: Collection[VersionId]) -> dict[VersionId, VersionInfo]:
    missing = [version_id for version_id in ids if version_id not in cache.headers]
    if missing:
        for row in await reads.rows(select(*_VERSION_INFO).where(CourseVersion.id.in_(missing))):
            header = VersionInfo(*row)
            cache.headers[header.id] = header
    return {version_id: cache.headers[version_id] for version_id in ids}


async def _lessons(
    cache: CatalogueCache, reads: Reads, version_ids: Collection[VersionId]
) -> dict[VersionId, LessonTitles]:
    """Each version's lessons (slug, title) in order; versions never change, so they are kept once read."""
    missing = [version_id for version_id in version_ids if version_id not in cache.lessons]
    if missing:
        found: dict[VersionId, list[tuple[LessonSlug, str]]] = defaultdict(list)
        rows = await reads.rows(
            select(CourseLesson.version_id, CourseLesson.slug, CourseLesson.title)
            .where(CourseLesson.version_id.in_(missing))
            .order_by(CourseLesson.version_id, CourseLesson.position)
        )
        for version_id, slug, title in rows:
            found[version_id].append((slug, title))
        for version_id in missing:
            cache.lessons[version_id] = tuple(found[version_id])
    return {version_id: cache.lessons[version_id] for version_id in version_ids}


async def _in_use(
    cache: CatalogueCache, reads: Reads, newest: list[VersionInfo], progress: Progress
) -> list[tuple[VersionInfo, VersionInfo]]:
    """(version the learner is on, newest version) of each course."""
    headers = await _headers(cache, reads, [progress.enrolled.get(row.course_id, row.id) for row in newest])
    return [(headers[progress.enrolled.get(row.course_id, row.id)], row) for row in newest]


async def courses(
    cache: CatalogueCache,
    reads: Reads,
    user_key: OwnerKey | None,
    organizations: Collection[str],
    course_id: CourseId | None = None,
) -> list[CourseEntry]:
    newest = [
        version
        for version in await newest_versions(cache, reads, course_id)
        if visible_to(version.visibility, organizations)
    ]
    progress = await _progress(reads, user_key, [version.course_id for version in newest])
    pairs = await _in_use(cache, reads, newest, progress)
    lessons = await _lessons(cache, reads, [version.id for version, _ in pairs])
    entries = []
    for version, latest in pairs:
        entry = CourseEntry(
            id=version.course_id,
            title=version.title,
            summary=version.summary,
            version=version.number,
            newest_version=latest.number,
            organization=organization_of(version.visibility),
        )
        entry.lessons = [
            LessonEntry(slug, title, (version.course_id, slug) in progress.completed)
            for slug, title in lessons[version.id]
        ]
        entries.append(entry)
    return entries


async def lesson_of(
    cache: CatalogueCache,
    session: AsyncSession,
    user_key: OwnerKey,
    organizations: Collection[str],
    course_id: CourseId,
    slug: LessonSlug,
) -> tuple[VersionInfo, CourseLesson]:
    """The lesson as the learner sees it (their version), or :class:`NotVisibleError`."""
    reads = SessionReads(session)
    newest = await newest_versions(cache, reads, course_id)
    if not newest or not visible_to(newest[0].visibility, organizations):
        raise NotVisibleError(f"no course {course_id!r}")
    ((version, _newest),) = await _in_use(cache, reads, newest, await _progress(reads, user_key, [course_id]))
    lesson = await session.scalar(
        select(CourseLesson).where(CourseLesson.version_id == version.id, CourseLesson.slug == slug)
    )
    if lesson is None:
        raise NotVisibleError(f"no lesson {slug!r} in course {course_id!r} version {version.number}")
    return version, lesson


LANGUAGES = {".py": "python", ".js": "javascript", ".ts": "typescript", ".sql": "sql", ".sh": "shell"}


def languages_of(paths: Iterable[str]) -> list[str]:
    """The editor languages a lesson's starter files call for, by file suffix."""
    return sorted({LANGUAGES[suffix] for path in paths for suffix in LANGUAGES if path.endswith(suffix)})


async def lesson_page_of(
    cache: CatalogueCache,
    reads: Reads,
    enrolled_version: VersionId | None,
    organizations: Collection[str],
    course_id: CourseId,
    slug: LessonSlug,
) -> tuple[VersionInfo, LessonInfo]:
    """Like :func:`lesson_of` for a learner on ``enrolled_version`` (None: the newest), without the lesson's files."""
    newest = await newest_versions(cache, reads, course_id)
    if not newest or not visible_to(newest[0].visibility, organizations):
        raise NotVisibleError(f"no course {course_id!r}")
    progress = Progress(enrolled={course_id: enrolled_version} if enrolled_version is not None else {})
    ((version, _newest),) = await _in_use(cache, reads, newest, progress)
    if (version.id, slug) not in cache.pages:
        rows = await reads.rows(
            select(CourseLesson.id, CourseLesson.title, CourseLesson.definition, CourseLesson.files["starter"]).where(
                CourseLesson.version_id == version.id, CourseLesson.slug == slug
            )
        )
        if not rows:
            raise NotVisibleError(f"no lesson {slug!r} in course {course_id!r} version {version.number}")
        lesson_id, title, definition, starter = rows[0]
        lesson = LessonInfo(lesson_id, slug, title, stored_lesson(definition), tuple(sorted(starter)))
        cache.pages[(version.id, slug)] = lesson
    return version, cache.pages[(version.id, slug)]


async def organizations_of(memberships: RecentMemberships, reads: Reads, user: User | None) -> set[str]:
    """The slugs of the user's organisations (none for nobody signed in): the private courses they see."""
    return await memberships.slugs(reads, user.id) if user is not None else set()


async def visible_courses(
    catalogue: CatalogueCache, memberships: RecentMemberships, reads: Reads, user: User | None
) -> list[CourseEntry]:
    """The catalogue as ``user`` (or nobody signed in) sees it: their versions and progress."""
    key = learner_key(user.id) if user else None
    return await courses(catalogue, reads, key, await organizations_of(memberships, reads, user))


async def visible_course(
    catalogue: CatalogueCache, memberships: RecentMemberships, reads: Reads, user: User | None, course_id: CourseId
) -> CourseEntry:
    """The course as ``user`` sees it (their version and progress); 404 when they may not see it."""
    key = learner_key(user.id) if user else None
    found = await courses(catalogue, reads, key, await organizations_of(memberships, reads, user), course_id)
    if not found:
        raise NotVisibleError(f"no course {course_id!r}")
    return found[0]


async def visible_lesson(
    catalogue: CatalogueCache,
    memberships: RecentMemberships,
    session: AsyncSession,
    user: User,
    course_id: CourseId,
    slug: LessonSlug,
) -> tuple[VersionInfo, CourseLesson]:
    """The lesson of the version the learner is on; 404 when they may not see it."""
    organizations = await organizations_of(memberships, SessionReads(session), user)
    return await lesson_of(catalogue, session, learner_key(user.id), organizations, course_id, slug)


async def lesson_page(
    catalogue: CatalogueCache,
    memberships: RecentMemberships,
    reads: Reads,
    user: User,
    course_id: CourseId,
    slug: LessonSlug,
) -> LessonView:
    """The lesson page: the lesson of the learner's version, the hints their failed checks disclose, their last check.

    Four reads make it (their standing in the lesson, their organisations, the kept lesson page, the version's
    kept lesson list for the next lesson), so it is built here rather than validated from one object.
    """
    state = await lesson_state(reads, learner_key(user.id), course_id, slug)
    organizations = await organizations_of(memberships, reads, user)
    version, lesson = await lesson_page_of(catalogue, reads, state.enrolled_version, organizations, course_id, slug)
    shown, hidden = disclosed_hints(lesson.definition, state.failed_checks)
    titles = (await _lessons(catalogue, reads, [version.id]))[version.id]
    return LessonView(
        course=CourseRef(id=course_id, title=version.title), version=version.number, slug=slug, title=lesson.title,
        task=lesson.definition.task, languages=languages_of(lesson.starter_paths),
        run_command=lesson.definition.run, hints=shown, hints_hidden=hidden,
        failed_checks=state.failed_checks, completed=state.completed, last_check=state.latest,
        next_lesson=next_lesson(titles, slug),
    )  # fmt: skip


def next_lesson(titles: LessonTitles, slug: LessonSlug) -> LessonLink | None:
    """The lesson after ``slug`` in its version's order; None for the last one."""
    slugs = [each for each, _title in titles]
    position = slugs.index(slug) + 1 if slug in slugs else len(slugs)
    return LessonLink(slug=titles[position][0], title=titles[position][1]) if position < len(titles) else None


async def environment_of(
    catalogue: CatalogueCache,
    memberships: RecentMemberships,
    session: AsyncSession,
    user: User,
    course_id: CourseId,
    slug: LessonSlug,
) -> WorkspaceState:
    """The learner's environment for a lesson they see; 404 before they opened it."""
    await visible_lesson(catalogue, memberships, session, user, course_id, slug)
    return opened(await workspace_state(session, learner_key(user.id), course_id, slug))


def opened(state: WorkspaceState | None) -> WorkspaceState:
    """The environment's state; 404 when the learner has not opened the lesson."""
    if state is None:
        raise LearningError(404, NO_ENVIRONMENT)
    return state
