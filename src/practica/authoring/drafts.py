"""Giving a draft the course it was made from, once its author may publish it there.

Both imports end here: an upload at once, in the web request; a git URL in
the draft's job, once the clone is packed (:mod:`practica.authoring.fetching`).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.models import User
from practica.authoring.models import CourseDraft, DraftStatus
from practica.authoring.permissions import check_organization
from practica.lessons.loading import LoadedCourse
from practica.lessons.ownership import check_may_publish
from practica.lessons.publishing import publish


async def store_course(
    session: AsyncSession, author: User, draft: CourseDraft, course: LoadedCourse, archive: bytes
) -> None:
    """Give ``draft`` the course: its files, id, title, visibility and an unpublished version; it is then validating.

    403 (:class:`DraftError`) when ``author`` may not publish where the course says, or under its id
    (someone else's course: :func:`~practica.lessons.ownership.check_may_publish`).
    """
    assert course.course is not None
    visibility = course.course.audience
    await check_may_publish(session, author, course.course.id)
    await check_organization(session, author, visibility)
    version = await publish(session, course, draft.source, performer=None, published=False)
    assert version.version_id is not None
    draft.course_id, draft.title, draft.visibility = course.course.id, course.course.title, visibility
    draft.version_id, draft.archive, draft.status = version.version_id, archive, DraftStatus.VALIDATING
    await session.flush()
