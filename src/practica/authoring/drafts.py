"""A draft's course: where its author may publish it, and giving a draft the course it was made from.

Both imports end here: an upload at once, in the web request; a git URL in
the draft's job, once the clone is packed (:mod:`practica.authoring.fetching`).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.memberships import organization_slugs
from practica.accounts.models import Role, User
from practica.authoring.errors import DraftError
from practica.authoring.models import CourseDraft, DraftStatus
from practica.lessons.format import Visibility, organization_of
from practica.lessons.loading import LoadedCourse
from practica.lessons.ownership import check_may_publish
from practica.lessons.publishing import publish
from servicekit.reads import SessionReads

__all__ = ["DraftError", "check_organization", "store_course"]


async def check_organization(session: AsyncSession, user: User, visibility: Visibility) -> None:
    """Authors publish into public or into an organisation they belong to (admins anywhere); 403 otherwise.

    Read in the caller's transaction, never from a cache: a member removed a moment ago publishes nothing.
    """
    organization = organization_of(visibility)
    if organization is None or user.role == Role.ADMIN:
        return
    if organization not in await organization_slugs(SessionReads(session), user.id):
        raise DraftError(
            403, f"course.yaml: visibility.organization: you are not a member of {organization!r}: ask its admins"
        )


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
