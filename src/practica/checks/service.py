"""What web code calls to ask for a check, and what it reads back.

A request stores a ``queued`` attempt and defers the check job in the
caller's transaction (a rolled-back request checks nothing). Requests of one
learner for one lesson are serialised by an advisory lock, so the cooldown
and the one-check-at-a-time rule hold under concurrent clicks.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from practica.checks.models import AttemptStatus, CheckAttempt
from practica.checks.results import CASE_RESULTS
from practica.errors import RetryLaterError
from practica.events.outbox import gid, record_event
from practica.ids import CourseId, EnvironmentId, LessonSlug, OrganizationSlug, OwnerKey, VersionId
from practica.jobs.queue import defer_by_name_in_transaction, jobs
from practica.lessons.files import FileData
from practica.lessons.format import Lesson
from practica.lessons.models import CourseLesson
from servicekit.reads import Reads

CHECK_TASK = "practica.checks.run"
QUEUE = "checks"
ABANDONED_AFTER_S = 15 * 60


class CheckCooldownError(RetryLaterError):
    """429: too soon after the previous check of this lesson; ``retry_after`` whole seconds to wait."""

    def __init__(self, seconds_left: float) -> None:
        wait = math.ceil(seconds_left)
        super().__init__(f"wait {wait} s before the next check", wait)


@dataclass(frozen=True)
class LearnerLesson:
    """Whose check of which lesson (of the version the learner is on)."""

    user_key: OwnerKey
    course_id: CourseId
    lesson: CourseLesson
    organization: OrganizationSlug | None = None  # the course's organisation, for private courses


def encode_files(files: Mapping[str, FileData]) -> dict[str, Any]:
    return {path: {"data": base64.b64encode(file.data).decode(), "mode": file.mode} for path, file in files.items()}


def decode_files(stored: Mapping[str, Any]) -> dict[str, FileData]:
    return {path: FileData(base64.b64decode(item["data"]), int(item["mode"])) for path, item in stored.items()}


def _of(target: LearnerLesson) -> list[Any]:
    return [
        CheckAttempt.user_key == target.user_key,
        CheckAttempt.course_id == target.course_id,
        CheckAttempt.lesson_slug == target.lesson.slug,
    ]


async def request_check(
    session: AsyncSession,
    target: LearnerLesson,
    *,
    cooldown_s: float,
    environment_id: EnvironmentId | None = None,
    files: Mapping[str, FileData] | None = None,
) -> CheckAttempt:
    """A queued attempt for the learner's current files (or ``files``); an unfinished one is returned as it is.

    Raises :class:`CheckCooldownError` within ``cooldown_s`` of the previous request.
    """
    key = f"check:{target.user_key}:{target.course_id}:{target.lesson.slug}"
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})
    previous = await session.scalar(select(CheckAttempt).where(*_of(target)).order_by(CheckAttempt.id.desc()).limit(1))
    if previous is not None and not AttemptStatus(previous.status).finished:
        if not _abandoned(previous):
            return previous
        previous.status = AttemptStatus.ERROR
        previous.verdict = "infrastructure_error"
        previous.detail = "the check never finished (its worker stopped)"
        previous.finished_at = datetime.now(UTC)
    if previous is not None:
        waited = (datetime.now(UTC) - previous.queued_at).total_seconds()
        if waited < cooldown_s:
            raise CheckCooldownError(cooldown_s - waited)
    attempt = CheckAttempt(
        user_key=target.user_key,
        course_id=target.course_id,
        lesson_slug=target.lesson.slug,
        lesson_id=target.lesson.id,
        environment_id=environment_id,
        status=AttemptStatus.QUEUED,
        files=encode_files(files) if files is not None else None,
        detail="",
        results=[],
    )
    session.add(attempt)
    await session.flush()
    await defer_by_name_in_transaction(session, jobs, CHECK_TASK, attempt_id=attempt.id)
    await record_event(
        session,
        subject=gid("Check", attempt.id),
        action="check.requested",
        performer=gid("User", target.user_key),
        payload={**lesson_payload(target.course_id, target.lesson, target.organization), "attempt": attempt.id},
    )
    await session.refresh(attempt)
    return attempt


def _abandoned(attempt: CheckAttempt) -> bool:
    """Unfinished well past any lesson's time limit: its worker died (the job is not retried)."""
    return (datetime.now(UTC) - attempt.queued_at).total_seconds() > ABANDONED_AFTER_S


def lesson_gid(course_id: CourseId, slug: LessonSlug) -> str:
    """``gid://practica/Lesson/COURSE:SLUG`` (a global id's last part holds no slash)."""
    return gid("Lesson", f"{course_id}:{slug}")


def lesson_payload(course_id: CourseId, lesson: CourseLesson, organization: OrganizationSlug | None) -> dict[str, Any]:
    """What Chronicles' rules and templates read (``chronicles/practica-rules.yaml``)."""
    payload: dict[str, Any] = {
        "course": {"id": course_id},
        "lesson": {"id": f"{course_id}/{lesson.slug}", "slug": lesson.slug, "title": lesson.title},
    }
    if organization is not None:
        payload["org"] = organization
    return payload


async def failed_checks(session: AsyncSession, target: LearnerLesson) -> int:
    """Failed attempts of this learner on this lesson (platform errors do not count)."""
    count = await session.scalar(
        select(func.count()).select_from(CheckAttempt).where(*_of(target), CheckAttempt.status == AttemptStatus.FAILED)
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
