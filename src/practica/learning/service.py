"""What the learner's routes ask of the catalogue, the environments and the checks, refusals included.

Every refusal is a :class:`~practica.learning.errors.LearningError` (a course or lesson not visible to
the learner is a 404, as a missing one), answered by the web app's one handler.

What the web app remembers comes in as arguments, from the route's services
(:data:`practica.services.ServicesDependency`): ``catalogue`` (its
:class:`~practica.lessons.queries.CatalogueCache`) and ``memberships`` (its
:class:`~practica.accounts.organizations.RecentMemberships`). This module keeps none of it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.models import User
from practica.accounts.organizations import RecentMemberships
from practica.checks.models import CheckAttempt
from practica.checks.service import LearnerLesson, request_check
from practica.ids import CourseId, LessonSlug, learner_key
from practica.learning.catalog import CourseEntry, courses, lesson_of
from practica.learning.errors import NO_ENVIRONMENT, LearningError, NotVisibleError
from practica.learning.workspaces import WorkspaceState, reset_workspace, workspace_state
from practica.lessons.format import organization_of
from practica.lessons.models import CourseLesson
from practica.lessons.queries import CatalogueCache, VersionInfo
from practica.lessons.service import upgrade_to_latest
from servicekit.reads import Reads, SessionReads


async def organizations_of(memberships: RecentMemberships, reads: Reads, user: User | None) -> set[str]:
    """The slugs of the user's organisations (none for nobody signed in): the private courses they see."""
    return await memberships.slugs(reads, user.id) if user is not None else set()


async def visible_course(
    catalogue: CatalogueCache, memberships: RecentMemberships, reads: Reads, user: User | None, course_id: CourseId
) -> CourseEntry:
    """The course as ``user`` sees it (their version and progress); 404 when they may not see it."""
    key = learner_key(user.id) if user else None
    found = await courses(catalogue, reads, key, await organizations_of(memberships, reads, user), course_id)
    if not found:
        raise NotVisibleError(f"no course {course_id!r}")
    return found[0]


async def upgraded_course(
    catalogue: CatalogueCache, memberships: RecentMemberships, session: AsyncSession, user: User, course_id: CourseId
) -> CourseEntry:
    """Move the learner to the newest version of a course they see; the course as they see it then."""
    reads = SessionReads(session)
    await visible_course(catalogue, memberships, reads, user, course_id)
    await upgrade_to_latest(session, learner_key(user.id), course_id)
    return await visible_course(catalogue, memberships, reads, user, course_id)


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
    return _opened(await workspace_state(session, learner_key(user.id), course_id, slug))


async def reset_environment(
    catalogue: CatalogueCache,
    memberships: RecentMemberships,
    session: AsyncSession,
    user: User,
    course_id: CourseId,
    slug: LessonSlug,
) -> WorkspaceState:
    """Put the lesson's starter files back into the learner's environment; 404 before they opened it."""
    _version, lesson = await visible_lesson(catalogue, memberships, session, user, course_id, slug)
    if not await reset_workspace(session, learner_key(user.id), course_id, lesson):
        raise LearningError(404, NO_ENVIRONMENT)
    return _opened(await workspace_state(session, learner_key(user.id), course_id, slug))


async def queue_check(
    catalogue: CatalogueCache,
    memberships: RecentMemberships,
    session: AsyncSession,
    user: User,
    course_id: CourseId,
    slug: LessonSlug,
    *,
    cooldown_s: float,
) -> CheckAttempt:
    """Queue a check of the learner's files: 409 before they opened the lesson, 429 within the cooldown."""
    version, lesson = await visible_lesson(catalogue, memberships, session, user, course_id, slug)
    state = await workspace_state(session, learner_key(user.id), course_id, slug)
    if state is None:
        raise LearningError(409, "open the lesson first: a check reads the files of your environment")
    target = LearnerLesson(learner_key(user.id), course_id, lesson, organization_of(version.visibility))
    return await request_check(session, target, cooldown_s=cooldown_s, environment_id=state.environment_id)


def _opened(state: WorkspaceState | None) -> WorkspaceState:
    if state is None:
        raise LearningError(404, NO_ENVIRONMENT)
    return state
