"""Drafts: made from a loaded course, found for their author, previewed, published.

A draft is stored with an unpublished course version made from its files
(``publish(..., published=False)``): the learner's environment code then
opens a preview from that version's lesson rows like any other lesson.
Publishing runs the usual :func:`~practica.lessons.publishing.publish` on the
draft's files, so a published draft is a version like any ``practica course
import`` makes (and records ``course.published``).

Previews belong to the owner key ``preview:USER_ID``, apart from the author's
own learning; a preview of another draft of the same lesson puts that
draft's starter files back into the same environment.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.models import Role, User
from practica.accounts.organizations import organization_slugs
from practica.authoring.models import CourseDraft, DraftStatus
from practica.authoring.sources import opened_async
from practica.authoring.tasks import draft_archive, queue_validation
from practica.events.outbox import gid
from practica.learning.models import LessonWorkspace
from practica.learning.workspaces import WorkspaceState, open_workspace, reset_workspace, workspace_state
from practica.lessons.catalog import CourseLesson
from practica.lessons.loading import LoadedCourse
from practica.lessons.publishing import Publication, publish
from practica.sandbox.settings import SandboxSettings
from servicekit.reads import SessionReads


class DraftError(Exception):
    """A refusal with its HTTP status and a sentence for the author."""

    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        self.detail = detail
        super().__init__(detail)


def preview_key(user: User) -> str:
    return f"preview:{user.id}"


def visibility_of(course: LoadedCourse) -> str:
    assert course.course is not None, "drafts are courses (course.yaml)"
    visibility = course.course.visibility
    return visibility if isinstance(visibility, str) else visibility.organization


async def check_organization(session: AsyncSession, user: User, visibility: str) -> None:
    """Authors publish into public or into an organisation they belong to (admins anywhere); 403 otherwise."""
    if visibility == "public" or user.role == Role.ADMIN:
        return
    if visibility not in await organization_slugs(SessionReads(session), user.id):
        raise DraftError(
            403, f"course.yaml: visibility.organization: you are not a member of {visibility!r}: ask its admins"
        )


async def create_draft(
    session: AsyncSession, author: User, course: LoadedCourse, archive: bytes, source: str
) -> CourseDraft:
    """Store the draft and its unpublished version, and queue its validation (all in the caller's transaction)."""
    assert course.course is not None
    visibility = visibility_of(course)
    await check_organization(session, author, visibility)
    version = await publish(session, course, source, performer=None, published=False)
    assert version.version_id is not None
    draft = CourseDraft(
        author_id=author.id, source=source, course_id=course.course.id, title=course.course.title,
        visibility=visibility, version_id=version.version_id, archive=archive, status=DraftStatus.VALIDATING,
    )  # fmt: skip
    session.add(draft)
    await session.flush()
    await queue_validation(session, draft.id)
    await session.refresh(draft)
    return draft


async def drafts_of(session: AsyncSession, user: User, *, after: int | None, limit: int) -> list[CourseDraft]:
    """Newest first: an author's own drafts; every draft for an admin."""
    query = select(CourseDraft).order_by(CourseDraft.id.desc()).limit(limit)
    if user.role != Role.ADMIN:
        query = query.where(CourseDraft.author_id == user.id)
    if after is not None:
        query = query.where(CourseDraft.id < after)
    return list(await session.scalars(query))


async def draft_for(session: AsyncSession, user: User, draft_id: int, *, lock: bool = False) -> CourseDraft:
    """The draft when ``user`` wrote it (or is an admin); 404 otherwise, as for a missing one."""
    draft = await session.get(CourseDraft, draft_id, with_for_update=True if lock else None, populate_existing=lock)
    if draft is None or (draft.author_id != user.id and user.role != Role.ADMIN):
        raise DraftError(404, f"no draft {draft_id}")
    return draft


async def draft_lessons(session: AsyncSession, draft: CourseDraft) -> list[tuple[str, str, str | None, list[str]]]:
    """(slug, title, run command, starter file paths) of the draft's lessons, in order."""
    rows = await session.execute(
        select(
            CourseLesson.slug, CourseLesson.title, CourseLesson.definition["run"].astext, CourseLesson.files["starter"]
        )
        .where(CourseLesson.version_id == draft.version_id)
        .order_by(CourseLesson.position)
    )
    return [(slug, title, run, sorted(starter)) for slug, title, run, starter in rows]


def _not_publishable(draft: CourseDraft) -> str:
    name = f"draft {draft.id}"
    if draft.status == DraftStatus.VALIDATING:
        done = f"{draft.progress_done}/{draft.progress_total} runs"
        return f"{name} is still being validated ({done}): publish it once it is valid"
    if draft.status == DraftStatus.INVALID:
        return f"{name} is invalid (its report says which runs did not hold): fix the course and import it again"
    if draft.status == DraftStatus.FAILED:
        return f"{name} could not be validated ({draft.error}): retry its job or import it again"
    return f"{name} was already published as version {draft.published_version}"


async def publish_draft(session: AsyncSession, draft: CourseDraft, user: User) -> Publication:
    """Publish a valid draft (locked by the caller) as a new version of its course; 409 when it is not valid."""
    if draft.status != DraftStatus.VALID:
        raise DraftError(409, _not_publishable(draft))
    await check_organization(session, user, draft.visibility)
    async with opened_async(await draft_archive(session, draft.id)) as course:
        publication = await publish(session, course, draft.source, performer=gid("User", user.id))
    draft.status = DraftStatus.PUBLISHED
    draft.published_version = publication.version
    draft.published_at = func.now()
    await session.flush()
    await session.refresh(draft)
    return publication


async def _draft_lesson(session: AsyncSession, draft: CourseDraft, slug: str) -> CourseLesson:
    lesson = await session.scalar(
        select(CourseLesson).where(CourseLesson.version_id == draft.version_id, CourseLesson.slug == slug)
    )
    if lesson is None:
        raise DraftError(404, f"no lesson {slug!r} in draft {draft.id}")
    return lesson


async def open_preview(
    session: AsyncSession, user: User, draft: CourseDraft, slug: str, sandbox: SandboxSettings
) -> WorkspaceState:
    """Open (or resume) ``user``'s preview environment for the lesson, with this draft's starter files."""
    lesson = await _draft_lesson(session, draft, slug)
    key = preview_key(user)
    state = await open_workspace(session, key, draft.course_id, lesson, sandbox)
    workspace = await session.get(LessonWorkspace, (key, draft.course_id, slug), populate_existing=True)
    if workspace is not None and workspace.starter_lesson_id != lesson.id:  # holds another draft's files
        await reset_workspace(session, key, draft.course_id, lesson)
        state = await workspace_state(session, key, draft.course_id, slug) or state
    return state


async def preview_state(session: AsyncSession, user: User, draft: CourseDraft, slug: str) -> WorkspaceState | None:
    """The preview environment of this draft's lesson; None when it was not opened for this draft."""
    lesson = await _draft_lesson(session, draft, slug)
    key = preview_key(user)
    workspace = await session.get(LessonWorkspace, (key, draft.course_id, slug), populate_existing=True)
    if workspace is None or workspace.starter_lesson_id != lesson.id:
        return None
    return await workspace_state(session, key, draft.course_id, slug)
