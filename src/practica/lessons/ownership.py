"""Who may publish under a course id: its owners, and admins.

A course id is global: before owners, any author's upload with the id of
someone else's course became that course's next version (a private
organisation course turned public with another author's content). Now:

- the author whose draft became a course's first version owns it for good;
- the organisation of its newest published version (``visibility:
  {organization: SLUG}``) owns it too: that organisation's admins publish it
  (its other members learn from it; an org admin makes a member an admin to
  let them maintain its courses);
- platform admins publish any course;
- a course with published versions and no owner (one an operator imported
  with ``practica course import``, or published before owners existed by no
  draft) is the admins' alone;
- an id nobody has published yet is anyone's: the first author to publish it
  becomes its owner (drafts claim nothing, so nobody can squat an id with a
  draft).

The check runs when a draft is made (nothing is stored for a refused one)
and again, under the course row's lock, when it is published. The operator's
``practica course import`` is not an author's request and is not checked.
"""

from __future__ import annotations

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.models import MemberRole, Membership, Role, User
from practica.lessons.errors import CourseOwnershipError
from practica.lessons.models import Course, CourseVersion


async def check_may_publish(session: AsyncSession, user: User, course_id: str, *, lock: bool = False) -> None:
    """Nothing when ``user`` may publish ``course_id``; :class:`CourseOwnershipError` (403) naming ``id`` otherwise."""
    if user.role == Role.ADMIN:
        return
    course = await session.get(Course, course_id, with_for_update=True if lock else None, populate_existing=lock)
    if course is None:
        return
    if course.owner_id is None and course.organization_id is None:
        if await has_published_version(session, course_id):
            raise CourseOwnershipError(403, _refusal(course_id, "is maintained by the platform's admins"))
        return
    if course.owner_id == user.id or await _administers(session, user, course.organization_id):
        return
    raise CourseOwnershipError(403, _refusal(course_id, "belongs to another author or organisation"))


async def claim(session: AsyncSession, user: User, course_id: str) -> None:
    """``user`` published the course's first version: they own it (publishing itself keeps its organisation)."""
    await session.execute(
        update(Course).where(Course.id == course_id, Course.owner_id.is_(None)).values(owner_id=user.id)
    )


async def owns(session: AsyncSession, user: User, course_id: str) -> bool:
    """Whether ``user`` is one of the course's owners: its author, an admin of its organisation, or an admin."""
    if user.role == Role.ADMIN:
        return True
    course = await session.get(Course, course_id)
    if course is None:
        return False
    return course.owner_id == user.id or await _administers(session, user, course.organization_id)


async def has_published_version(session: AsyncSession, course_id: str) -> bool:
    published = exists().where(CourseVersion.course_id == course_id, CourseVersion.published_at.is_not(None))
    return bool(await session.scalar(select(published)))


async def _administers(session: AsyncSession, user: User, organization_id: int | None) -> bool:
    if organization_id is None:
        return False
    role = await session.scalar(
        select(Membership.role).where(Membership.organization_id == organization_id, Membership.user_id == user.id)
    )
    return role == MemberRole.ADMIN.value


def _refusal(course_id: str, whose: str) -> str:
    return (
        f"course.yaml: id: the course {course_id!r} {whose}: only its owners publish new versions of it. "
        "Choose another id, or ask its owners (or an admin)"
    )
