"""Enrolments: a learner's enrolment points at one course version, moved only when they choose."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from practica.ids import CourseId, OwnerKey
from practica.lessons.models import Enrollment
from practica.lessons.queries import latest_version


async def enroll(session: AsyncSession, user_key: OwnerKey, course_id: CourseId) -> Enrollment:
    """Enrol on the latest version; an existing enrolment keeps its version."""
    existing = await session.get(Enrollment, (user_key, course_id))
    if existing is not None:
        return existing
    version = await latest_version(session, course_id)
    if version is None:
        raise LookupError(f"course {course_id!r} has no published version")
    await session.execute(  # two first visits at once make one enrolment
        insert(Enrollment)
        .values(user_key=user_key, course_id=course_id, version_id=version.id)
        .on_conflict_do_nothing()
    )
    enrolled = await session.get(Enrollment, (user_key, course_id), populate_existing=True)
    assert enrolled is not None
    return enrolled


async def upgrade_to_latest(session: AsyncSession, user_key: OwnerKey, course_id: CourseId) -> Enrollment:
    """Move a learner to the newest version (their files in environments stay theirs)."""
    enrollment = await enroll(session, user_key, course_id)
    version = await latest_version(session, course_id)
    assert version is not None
    enrollment.version_id = version.id
    await session.flush()
    return enrollment
