"""Who may use the authoring API: authors and admins (401 for nobody signed in, 403 for learners).

Every route of :mod:`practica.authoring.routes` carries :data:`AUTHORS_ONLY` on its router and takes the
author as :data:`Author`. Which drafts an author may open is :func:`draft_for` (their own, 404 for anyone
else's; every draft for an admin): a function of the route's transaction, not a dependency, since it
locks the draft there. Where they may publish is :func:`check_organization` (into which organisation,
read in the caller's transaction) and :mod:`practica.lessons.ownership` (under which course id).
"""

from __future__ import annotations

from fastapi import Depends
from fastapi.params import Depends as DependsParam
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.memberships import organization_slugs
from practica.accounts.models import Role, User
from practica.accounts.permissions import Author, require_author
from practica.authoring.errors import DraftError
from practica.authoring.models import CourseDraft
from practica.lessons.format import Visibility, organization_of
from servicekit.reads import SessionReads

__all__ = ["AUTHORS_ONLY", "Author", "check_organization", "draft_for"]

AUTHORS_ONLY: list[DependsParam] = [Depends(require_author)]


async def draft_for(session: AsyncSession, user: User, draft_id: int, *, lock: bool = False) -> CourseDraft:
    """The draft when ``user`` wrote it (or is an admin); 404 otherwise, as for a missing one."""
    draft = await session.get(CourseDraft, draft_id, with_for_update=True if lock else None, populate_existing=lock)
    if draft is None or (draft.author_id != user.id and user.role != Role.ADMIN):
        raise DraftError(404, f"no draft {draft_id}")
    return draft


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
