"""Drafts: made from an upload or a git URL, published, deleted (what reads them is :mod:`practica.authoring.queries`).

A draft is stored with an unpublished course version made from its files
(``publish(..., published=False)``): the learner's environment code then
opens a preview from that version's lesson rows like any other lesson
(:mod:`practica.authoring.previews`). Publishing runs the usual
:func:`~practica.lessons.publishing.publish` on the draft's files, so a
published draft is a version like any ``practica course import`` makes (and
records ``course.published``).
"""

from __future__ import annotations

import structlog
from sqlalchemy import delete, func
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.models import User
from practica.authoring.drafts import store_course
from practica.authoring.errors import DraftError
from practica.authoring.models import CourseDraft, DraftStatus
from practica.authoring.permissions import check_organization
from practica.authoring.previews import remove_previews
from practica.authoring.queries import draft_archive
from practica.authoring.report import ValidationReport
from practica.authoring.sources import opened_async
from practica.authoring.tasks import job_running, queue_validation
from practica.events.outbox import gid
from practica.ids import EnvironmentId
from practica.lessons.loading import LoadedCourse
from practica.lessons.models import CourseVersion
from practica.lessons.ownership import check_may_publish, claim, has_published_version
from practica.lessons.publishing import Publication, publish
from practica.lessons.queries import CatalogueCache
from servicekit.caching import forget_now_and_at_commit

log = structlog.get_logger(__name__)


async def create_draft(
    session: AsyncSession, author: User, course: LoadedCourse, archive: bytes, source: str
) -> CourseDraft:
    """Store the draft and its unpublished version, and queue its validation (all in the caller's transaction)."""
    draft = CourseDraft(author_id=author.id, source=source)
    session.add(draft)
    await store_course(session, author, draft, course, archive)
    await queue_validation(session, draft.id)
    await session.refresh(draft)
    return draft


async def create_git_draft(session: AsyncSession, author: User, url: str) -> CourseDraft:
    """Store a draft without its files yet (``fetching``) and queue its job, which clones ``url``, then validates."""
    draft = CourseDraft(author_id=author.id, source=url, status=DraftStatus.FETCHING)
    session.add(draft)
    await session.flush()
    await queue_validation(session, draft.id)
    await session.refresh(draft)
    return draft


def _not_publishable(draft: CourseDraft) -> str:
    name = f"draft {draft.id}"
    if draft.status == DraftStatus.FETCHING:
        return f"{name} is still being fetched from {draft.source}: publish it once it is valid"
    if draft.status == DraftStatus.VALIDATING:
        done = f"{draft.progress_done}/{draft.progress_total} runs"
        return f"{name} is still being validated ({done}): publish it once it is valid"
    if draft.status == DraftStatus.INVALID:
        return f"{name} is invalid (its report says which runs did not hold): fix the course and import it again"
    if draft.status == DraftStatus.FAILED:
        return f"{name} could not be validated ({draft.error}): retry its job or import it again"
    return f"{name} was already published as version {draft.published_version}"


def _check_flaky(draft: CourseDraft, allow_flaky: bool) -> None:
    """A draft whose stress pass found flaky tests is published only on the author's say-so; 409 naming them."""
    report = ValidationReport.model_validate(draft.report) if draft.report is not None else None
    flaky = report.flaky_summaries() if report is not None else []
    if flaky and not allow_flaky:
        detail = (
            f"draft {draft.id} has {len(flaky)} flaky test(s), which may fail a correct learner on a busy host: "
            + "; ".join(flaky)
            + '. Fix them and import the course again, or publish anyway with {"allow_flaky": true}'
        )
        raise DraftError(409, detail, {"flaky": flaky})
    if flaky:
        log.warning("authoring.published_flaky", draft=draft.id, flaky=flaky)


async def publish_draft(
    session: AsyncSession, catalogue: CatalogueCache, draft: CourseDraft, user: User, *, allow_flaky: bool = False
) -> Publication:
    """Publish a valid draft (locked by the caller) as a new version of its course.

    409 when it is not valid, or has flaky tests and ``allow_flaky`` is not set. The web app's
    ``catalogue`` is told, so the new version shows in its catalogue at once.
    """
    if draft.status != DraftStatus.VALID:
        raise DraftError(409, _not_publishable(draft))
    _check_flaky(draft, allow_flaky)
    assert draft.visibility is not None, "a valid draft has its course"
    assert draft.course_id is not None, "a valid draft has its course"
    await check_may_publish(session, user, draft.course_id, lock=True)
    await check_organization(session, user, draft.visibility)
    first = not await has_published_version(session, draft.course_id)
    async with opened_async(await draft_archive(session, draft.id)) as course:
        publication = await publish(session, course, draft.source, performer=gid("User", user.id))
    if publication.changed:
        forget_now_and_at_commit(session, catalogue.note_published)
    if first:
        await claim(session, user, draft.course_id)
    draft.status = DraftStatus.PUBLISHED
    draft.published_version = publication.version
    draft.published_at = func.now()
    await session.flush()
    await session.refresh(draft)
    return publication


async def delete_draft(session: AsyncSession, draft: CourseDraft) -> list[EnvironmentId]:
    """Delete a draft (locked by the caller), its unpublished version and the previews holding its files.

    Returns the preview environments being removed. 409 while the draft's job runs (a job still queued
    finds no draft and ends). Published versions stay (publishing stored a version of its own), and so
    does everything of learners: they only ever open published versions.
    """
    if await job_running(session, draft.id):
        doing = "fetched" if draft.status == DraftStatus.FETCHING else "validated"
        raise DraftError(409, f"draft {draft.id} is being {doing} right now: delete it once that ends")
    environments = await remove_previews(session, draft)
    await session.execute(delete(CourseDraft).where(CourseDraft.id == draft.id))
    if draft.version_id is not None:
        await session.execute(
            delete(CourseVersion).where(CourseVersion.id == draft.version_id, CourseVersion.published_at.is_(None))
        )
    session.expunge(draft)
    return environments
