"""Previews of a draft's lessons: the lesson as a learner gets it, in an environment of the author's own.

A draft's unpublished course version has lesson rows like any other, so the
learner's workspace code opens a preview from them. Previews belong to the
owner key ``preview:USER_ID``, apart from the author's own learning; a
preview of another draft of the same lesson puts that draft's starter files
back into the same environment. A workspace "holds" a draft while its
starter files are that draft's (``starter_lesson_id``). A preview's check runs the draft's hidden tests
on its files like a learner's (:func:`queue_preview_check`).
"""

from __future__ import annotations

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.models import User
from practica.authoring.errors import DraftError
from practica.authoring.models import CourseDraft
from practica.checks.models import CheckAttempt, LessonCompletion
from practica.checks.service import LearnerLesson, request_check
from practica.environments.service import request_remove
from practica.ids import CourseId, EnvironmentId, LessonId, LessonSlug, OwnerKey
from practica.ids import preview_key as owner_preview_key
from practica.learning.models import LessonWorkspace
from practica.learning.workspaces import WorkspaceState, open_workspace, reset_workspace, workspace_state
from practica.lessons.models import CourseLesson
from practica.sandbox.settings import SandboxSettings

NO_PREVIEW = "no preview of this lesson of this draft yet: open it first"


def preview_key(user: User) -> OwnerKey:
    return owner_preview_key(user.id)


async def _draft_lesson(session: AsyncSession, draft: CourseDraft, slug: LessonSlug) -> tuple[CourseId, CourseLesson]:
    """The draft's course id and lesson ``slug``; 404 when it has no such lesson (or no files yet)."""
    lesson = await session.scalar(
        select(CourseLesson).where(CourseLesson.version_id == draft.version_id, CourseLesson.slug == slug)
    )
    if lesson is None or draft.course_id is None:
        raise DraftError(404, f"no lesson {slug!r} in draft {draft.id}")
    return draft.course_id, lesson


async def _held_workspace(
    session: AsyncSession, key: OwnerKey, course_id: CourseId, lesson: CourseLesson, *, lock: bool = False
) -> LessonWorkspace | None:
    """The preview workspace of the lesson when it holds this draft's files."""
    workspace = await session.get(
        LessonWorkspace, (key, course_id, lesson.slug), populate_existing=True, with_for_update=True if lock else None
    )
    return workspace if workspace is not None and workspace.starter_lesson_id == lesson.id else None


async def open_preview(
    session: AsyncSession, user: User, draft: CourseDraft, slug: LessonSlug, sandbox: SandboxSettings
) -> WorkspaceState:
    """Open (or resume) ``user``'s preview environment for the lesson, with this draft's starter files."""
    course_id, lesson = await _draft_lesson(session, draft, slug)
    key = preview_key(user)
    state = await open_workspace(session, key, course_id, lesson, sandbox)
    workspace = await session.get(LessonWorkspace, (key, course_id, slug), populate_existing=True)
    if workspace is not None and workspace.starter_lesson_id != lesson.id:  # holds another draft's files
        await reset_workspace(session, key, course_id, lesson)
        state = await workspace_state(session, key, course_id, slug) or state
    return state


async def preview_state(session: AsyncSession, user: User, draft: CourseDraft, slug: LessonSlug) -> WorkspaceState:
    """The preview environment of this draft's lesson; 404 when it was not opened for this draft."""
    course_id, lesson = await _draft_lesson(session, draft, slug)
    if await _held_workspace(session, preview_key(user), course_id, lesson) is None:
        raise DraftError(404, NO_PREVIEW)
    return _opened(await workspace_state(session, preview_key(user), course_id, slug))


async def reset_preview(session: AsyncSession, user: User, draft: CourseDraft, slug: LessonSlug) -> WorkspaceState:
    """Put the draft's starter files back into the preview (the author's other files go); 404 without one."""
    course_id, lesson = await _draft_lesson(session, draft, slug)
    key = preview_key(user)
    if await _held_workspace(session, key, course_id, lesson, lock=True) is None:
        raise DraftError(404, NO_PREVIEW)
    await reset_workspace(session, key, course_id, lesson)
    return _opened(await workspace_state(session, key, course_id, slug))


async def queue_preview_check(
    session: AsyncSession, user: User, draft: CourseDraft, slug: LessonSlug, *, cooldown_s: float
) -> CheckAttempt:
    """Queue a check of the preview's files against the draft's hidden tests, as a learner's check runs.

    409 before the preview holds this draft's files; 429 within the cooldown. The attempt is the preview's
    (owner ``preview:USER_ID``): no learner's activity or progress, and it goes with the draft.
    """
    course_id, lesson = await _draft_lesson(session, draft, slug)
    key = preview_key(user)
    workspace = await _held_workspace(session, key, course_id, lesson)
    if workspace is None:
        raise DraftError(409, "open the preview first: a check reads the files of its environment")
    target = LearnerLesson(key, course_id, lesson)
    return await request_check(session, target, cooldown_s=cooldown_s, environment_id=workspace.environment_id)


def _opened(state: WorkspaceState | None) -> WorkspaceState:
    if state is None:
        raise DraftError(404, NO_PREVIEW)
    return state


async def remove_previews(session: AsyncSession, draft: CourseDraft) -> list[EnvironmentId]:
    """Forget every preview holding this draft's files (anyone's) and remove their environments; their ids.

    Only previews can hold a draft's lessons: learners open published versions only.
    """
    if draft.version_id is None:
        return []
    lessons = select(CourseLesson.id).where(CourseLesson.version_id == draft.version_id)
    await _forget_preview_checks(session, lessons)
    removed = await session.scalars(
        delete(LessonWorkspace)
        .where(LessonWorkspace.starter_lesson_id.in_(lessons))
        .returning(LessonWorkspace.environment_id)
    )
    environments = list(removed)
    for environment_id in environments:
        await request_remove(session, environment_id)
    return environments


async def _forget_preview_checks(session: AsyncSession, lessons: Select[LessonId]) -> None:
    """Delete the checks previews ran on these lessons (only previews check a draft's lessons)."""
    attempts = select(CheckAttempt.id).where(CheckAttempt.lesson_id.in_(lessons))
    await session.execute(delete(LessonCompletion).where(LessonCompletion.attempt_id.in_(attempts)))
    await session.execute(delete(CheckAttempt).where(CheckAttempt.lesson_id.in_(lessons)))
