"""Who may read what in the learning API, as FastAPI dependencies.

A check is its learner's own (404 for anyone else's, as for a missing one). The activity feed of a
lesson is for the course's owners and admins (:func:`practica.lessons.ownership.owns`), an
organisation's for its admins; everyone reads their own. Which courses and lessons a learner sees is
the catalogue's business (:mod:`practica.learning.queries`: private ones answer 404 to non-members).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from practica.accounts.dependencies import CurrentUser, transaction
from practica.accounts.models import User
from practica.checks.models import CheckAttempt
from practica.ids import learner_key, preview_key
from practica.learning.activity import user_tag
from practica.learning.errors import LearningError
from practica.lessons.format import SLUG_PATTERN
from practica.lessons.ownership import owns
from practica.organizations.permissions import administered_organization
from servicekit.params import DbId, NulFreeStr


async def own_check(request: Request, check_id: DbId, user: CurrentUser) -> CheckAttempt:
    """The learner's own check (or one of their previews'); 404 for a missing one and for anyone else's."""
    async with transaction(request) as session:
        attempt = await session.get(CheckAttempt, check_id)
    if attempt is None or attempt.user_key not in (learner_key(user.id), preview_key(user.id)):
        raise LearningError(404, f"no check {check_id}")
    return attempt


OwnCheck = Annotated[CheckAttempt, Depends(own_check)]


@dataclass(frozen=True)
class Feed:
    """An activity feed the user may read: the access tags to read it with, the feed tag, the page cursor."""

    access: list[str]
    tag: str
    after: str | None


async def readable_feed(
    request: Request,
    user: CurrentUser,
    scope: Literal["mine", "lesson", "organization"] = "mine",
    course: Annotated[str | None, Query(pattern=SLUG_PATTERN, description="A course id.")] = None,
    lesson: Annotated[str | None, Query(pattern=SLUG_PATTERN, description="A lesson id.")] = None,
    organization: Annotated[str | None, Query(pattern=SLUG_PATTERN, description="An organisation's slug.")] = None,
    after: Annotated[NulFreeStr | None, Query(max_length=200, description="The `next` of the page before.")] = None,
) -> Feed:
    """The feed the query names, when ``user`` may read it: 422 for a scope missing its ids, 403 (404) otherwise."""
    if scope == "lesson":
        return Feed(await _lesson_access(request, user, course, lesson), f"lesson:{course}/{lesson}", after)
    if scope == "organization":
        return Feed(await _organization_access(request, user, organization), f"org:{organization}", after)
    return Feed([user_tag(user.id)], user_tag(user.id), after)


ReadableFeed = Annotated[Feed, Depends(readable_feed)]


async def _lesson_access(request: Request, user: User, course: str | None, lesson: str | None) -> list[str]:
    if course is None or lesson is None:
        raise LearningError(422, "scope=lesson needs course and lesson")
    async with transaction(request) as session:
        if not await owns(session, user, course):
            raise LearningError(403, "course: a lesson's history is for the course's owners and admins")
    return [f"course:{course}"]


async def _organization_access(request: Request, user: User, organization: str | None) -> list[str]:
    if organization is None:
        raise LearningError(422, "scope=organization needs organization")
    async with transaction(request) as session:
        await administered_organization(session, organization, user)
    return [f"org:{organization}"]
