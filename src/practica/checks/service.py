"""What web code calls to ask for a check (what it reads back is :mod:`practica.checks.queries`).

A request stores a ``queued`` attempt and defers the check job in the
caller's transaction (a rolled-back request checks nothing). Requests of one
learner for one lesson are serialised by an advisory lock, so the cooldown
and the one-check-at-a-time rule hold under concurrent clicks.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from practica.checks.errors import CheckCooldownError
from practica.checks.models import AttemptStatus, CheckAttempt
from practica.db.changes import announce, check_key
from practica.events.outbox import gid, record_event
from practica.ids import CourseId, EnvironmentId, LessonSlug, OrganizationSlug, OwnerKey, is_preview
from practica.jobs.queue import defer_by_name_in_transaction, jobs
from practica.lessons.files import FileData
from practica.lessons.models import CourseLesson

CHECK_TASK = "practica.checks.run"
QUEUE = "checks"
ABANDONED_AFTER_S = 15 * 60


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


def attempts_of(target: LearnerLesson) -> list[Any]:
    """The conditions selecting the learner's attempts at the lesson."""
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
    previous = await session.scalar(
        select(CheckAttempt).where(*attempts_of(target)).order_by(CheckAttempt.id.desc()).limit(1)
    )
    if previous is not None and not AttemptStatus(previous.status).finished:
        if not _abandoned(previous):
            return previous
        previous.status = AttemptStatus.ERROR
        previous.verdict = "infrastructure_error"
        previous.detail = "the check never finished (its worker stopped)"
        previous.finished_at = datetime.now(UTC)
        await announce(session, check_key(previous.id))
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
    if not is_preview(target.user_key):
        await _record_requested(session, target, attempt)
    await session.refresh(attempt)
    return attempt


async def _record_requested(session: AsyncSession, target: LearnerLesson, attempt: CheckAttempt) -> None:
    """``check.requested``: a learner's activity (an author's preview checks are not)."""
    await record_event(
        session,
        subject=gid("Check", attempt.id),
        action="check.requested",
        performer=gid("User", target.user_key),
        payload={**lesson_payload(target.course_id, target.lesson, target.organization), "attempt": attempt.id},
    )


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
