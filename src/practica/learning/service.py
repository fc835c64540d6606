"""What the learner's routes change: their version of a course, their environment, their checks.

Every refusal is a :class:`~practica.learning.errors.LearningError` (a course or lesson not visible to
the learner is a 404, as a missing one), answered by the web app's one handler. What they read is
:mod:`practica.learning.queries`.

What the web app remembers comes in as arguments, from the route's services
(:data:`practica.services.ServicesDependency`): ``catalogue`` (its
:class:`~practica.lessons.queries.CatalogueCache`) and ``memberships`` (its
:class:`~practica.accounts.memberships.RecentMemberships`). This module keeps none of it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.memberships import RecentMemberships
from practica.accounts.models import User
from practica.checks.models import CheckAttempt
from practica.checks.service import LearnerLesson, request_check
from practica.ids import CourseId, LessonSlug, learner_key
from practica.learning.errors import NO_ENVIRONMENT, LearningError
from practica.learning.queries import CourseEntry, opened, visible_course, visible_lesson
from practica.learning.workspaces import WorkspaceState, open_workspace, reset_workspace, workspace_state
from practica.lessons.format import organization_of
from practica.lessons.queries import CatalogueCache
from practica.lessons.service import enroll, upgrade_to_latest
from practica.sandbox.settings import SandboxSettings
from servicekit.reads import SessionReads


async def upgraded_course(
    catalogue: CatalogueCache, memberships: RecentMemberships, session: AsyncSession, user: User, course_id: CourseId
) -> CourseEntry:
    """Move the learner to the newest version of a course they see; the course as they see it then."""
    reads = SessionReads(session)
    await visible_course(catalogue, memberships, reads, user, course_id)
    await upgrade_to_latest(session, learner_key(user.id), course_id)
    return await visible_course(catalogue, memberships, reads, user, course_id)


async def start_environment(
    catalogue: CatalogueCache,
    memberships: RecentMemberships,
    session: AsyncSession,
    user: User,
    course_id: CourseId,
    slug: LessonSlug,
    sandbox: SandboxSettings,
) -> WorkspaceState:
    """Start (or resume) the learner's environment for a lesson they see; enrols on the course the first time."""
    _version, lesson = await visible_lesson(catalogue, memberships, session, user, course_id, slug)
    await enroll(session, learner_key(user.id), course_id)
    return await open_workspace(session, learner_key(user.id), course_id, lesson, sandbox)


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
    return opened(await workspace_state(session, learner_key(user.id), course_id, slug))


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
