"""What the authoring API reads: an author's drafts, a draft's lessons, and the answers made of them.

A draft's own columns are validated from its row (``DraftSummary.model_validate(draft, from_attributes=True)``,
with :attr:`~practica.authoring.models.CourseDraft.organization` and ``progress``); a draft's lessons come from
its unpublished version's rows, without their files.
"""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.models import Role, User
from practica.authoring.models import CourseDraft
from practica.authoring.schemas import DraftLesson, DraftSummary, DraftView, PublishedDraft
from practica.learning.queries import languages_of
from practica.lessons.models import CourseLesson
from practica.lessons.publishing import Publication


async def drafts_of(session: AsyncSession, user: User, *, after: int | None, limit: int) -> list[CourseDraft]:
    """Newest first: an author's own drafts; every draft for an admin."""
    query = select(CourseDraft).order_by(CourseDraft.id.desc()).limit(limit)
    if user.role != Role.ADMIN:
        query = query.where(CourseDraft.author_id == user.id)
    if after is not None:
        query = query.where(CourseDraft.id < after)
    return list(await session.scalars(query))


async def draft_lessons(session: AsyncSession, draft: CourseDraft) -> list[DraftLesson]:
    """The draft's lessons in order, with the editor languages of their starter files (none before its fetch)."""
    rows = await session.execute(
        select(CourseLesson.slug, CourseLesson.title, CourseLesson.definition, CourseLesson.files["starter"])
        .where(CourseLesson.version_id == draft.version_id)
        .order_by(CourseLesson.position)
    )
    return [
        DraftLesson(
            slug=slug, title=title, task=lesson.task, languages=languages_of(sorted(starter)), run_command=lesson.run
        )
        for slug, title, lesson, starter in rows
    ]


async def draft_view(session: AsyncSession, draft: CourseDraft) -> DraftView:
    """The draft as its page shows it: its row, its format problems and report, and its lessons."""
    summary = DraftSummary.model_validate(draft, from_attributes=True)
    lessons = await draft_lessons(session, draft)
    return DraftView(
        **dict(summary), error=draft.error, problems=draft.problems or [], lessons=lessons, report=draft.report
    )


async def published_draft(session: AsyncSession, draft: CourseDraft, publication: Publication) -> PublishedDraft:
    """What publishing a draft answers: the draft as it is now, and what the new version changed."""
    return PublishedDraft.model_validate({**asdict(publication), "draft": await draft_view(session, draft)})


async def draft_archive(session: AsyncSession, draft_id: int) -> bytes:
    """The stored files of a draft that has them (a deferred column: never loaded with the row)."""
    archive = await session.scalar(select(CourseDraft.archive).where(CourseDraft.id == draft_id))
    assert archive is not None, "a draft past fetching has its files"
    return archive
