"""Previews of a draft's lessons: the lesson as a learner gets it, in an environment of the author's own.

A draft's unpublished course version has lesson rows like any other, so the
learner's workspace code opens a preview from them. Previews belong to the
owner key ``preview:USER_ID``, apart from the author's own learning; a
preview of another draft of the same lesson puts that draft's starter files
back into the same environment. A workspace "holds" a draft while its
starter files are that draft's (``starter_lesson_id``).
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.models import User
from practica.authoring.errors import DraftError
from practica.authoring.models import CourseDraft
from practica.environments.service import request_remove
from practica.ids import CourseId, EnvironmentId, LessonSlug, OwnerKey
from practica.learning.models import LessonWorkspace
from practica.learning.workspaces import WorkspaceState, open_workspace, reset_workspace, workspace_state
from practica.lessons.models import CourseLesson
from practica.sandbox.settings import SandboxSettings

NO_PREVIEW = "no preview of this lesson of this draft yet: open it first"


def preview_key(user: User) -> OwnerKey:
    return OwnerKey(f"preview:{user.id}")


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
    removed = await session.scalars(
        delete(LessonWorkspace)
        .where(LessonWorkspace.starter_lesson_id.in_(lessons))
        .returning(LessonWorkspace.environment_id)
    )
    environments = list(removed)
    for environment_id in environments:
        await request_remove(session, environment_id)
    return environments
