"""What a learner's checks come to, read back: failed checks, completion, the latest attempt, the hints shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from practica.checks.models import AttemptStatus, CheckAttempt
from practica.checks.results import CASE_RESULTS
from practica.checks.service import LearnerLesson, attempts_of
from practica.ids import CourseId, LessonSlug, OwnerKey, VersionId
from practica.lessons.format import Lesson
from servicekit.reads import Reads


async def failed_checks(session: AsyncSession, target: LearnerLesson) -> int:
    """Failed attempts of this learner on this lesson (platform errors do not count)."""
    count = await session.scalar(
        select(func.count())
        .select_from(CheckAttempt)
        .where(*attempts_of(target), CheckAttempt.status == AttemptStatus.FAILED)
    )
    return int(count or 0)


def disclosed_hints(lesson: Lesson, failed: int) -> tuple[list[str], int]:
    """The hints the lesson's rule shows after ``failed`` failed checks, and how many stay hidden."""
    shown = [hint.text for hint in lesson.hints if failed >= hint.after_failed_checks]
    return shown, len(lesson.hints) - len(shown)


@dataclass(frozen=True)
class LessonState:
    failed_checks: int
    completed: bool
    latest: CheckAttempt | None
    enrolled_version: VersionId | None  # the course version the learner is on (None: not enrolled yet)


_LESSON_STATE = text(
    """
    SELECT
      (SELECT count(*) FROM check_attempts f
        WHERE f.user_key = :user_key AND f.course_id = :course_id AND f.lesson_slug = :slug
          AND f.status = 'failed') AS failed,
      EXISTS (SELECT 1 FROM lesson_completions c
        WHERE c.user_key = :user_key AND c.course_id = :course_id AND c.lesson_slug = :slug) AS completed,
      (SELECT e.version_id FROM course_enrollments e
        WHERE e.user_key = :user_key AND e.course_id = :course_id) AS enrolled_version,
      latest.*
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (
      SELECT * FROM check_attempts a
       WHERE a.user_key = :user_key AND a.course_id = :course_id AND a.lesson_slug = :slug
       ORDER BY a.id DESC LIMIT 1
    ) AS latest ON true
    """
)


async def lesson_state(reads: Reads, user_key: OwnerKey, course_id: CourseId, slug: LessonSlug) -> LessonState:
    """Failed checks, completion, the latest attempt and the enrolled version, in one round trip (the lesson page)."""
    (row,) = await reads.mappings(_LESSON_STATE, {"user_key": user_key, "course_id": course_id, "slug": slug})
    values = dict(row)
    failed, completed = int(values.pop("failed")), bool(values.pop("completed"))
    enrolled = values.pop("enrolled_version")
    latest = _detached_attempt(values) if values["id"] is not None else None
    return LessonState(failed, completed, latest, enrolled)


def _detached_attempt(columns: dict[str, Any]) -> CheckAttempt:
    """An attempt from a raw row (no column types applied), to read: its results typed as the ORM's are."""
    return CheckAttempt(**{**columns, "results": CASE_RESULTS.validate_python(columns["results"])})
