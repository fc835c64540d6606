"""Check attempts and lesson completions as data.

Every press of *Check* is one ``check_attempts`` row, kept for good: the
snapshot hash of the files it judged, each test's result and the three
moments (queued, started, finished). A lesson is completed once, the first
time every test passes; completion is keyed by course and lesson slug, so it
survives new versions of the course.

::

    queued ──check job──> running ──> passed | failed | error

A run the host cut short (:mod:`practica.checks.overload`) is run once more
and the attempt keeps why in ``retried_because``; the verdict is the second
run's, or ``overloaded`` (status ``error``, not the learner's) when the host
cut that one short too.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Float, ForeignKey, Identity, Index, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from practica.checks.results import CASE_RESULTS, CaseResult
from practica.db.base import Base
from practica.ids import AttemptId, CourseId, EnvironmentId, LessonId, LessonSlug, OwnerKey

TIMESTAMP = DateTime(timezone=True)


class AttemptStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # the platform failed (infrastructure): not counted against the learner

    @property
    def finished(self) -> bool:
        return self in (AttemptStatus.PASSED, AttemptStatus.FAILED, AttemptStatus.ERROR)


_STATUSES = ", ".join(f"'{status.value}'" for status in AttemptStatus)


class StoredCaseResults(TypeDecorator[list[CaseResult]]):
    """``check_attempts.results``: a JSONB array in the database, :class:`CaseResult` rows in Python."""

    impl = JSONB
    cache_ok = True

    def process_bind_param(self, value: list[CaseResult] | None, dialect: Dialect) -> Any:
        return None if value is None else CASE_RESULTS.dump_python(value, mode="json")

    def process_result_value(self, value: Any, dialect: Dialect) -> list[CaseResult] | None:
        return None if value is None else CASE_RESULTS.validate_python(value)


class CheckAttempt(Base):
    __tablename__ = "check_attempts"

    id: Mapped[AttemptId] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_key: Mapped[OwnerKey] = mapped_column(Text)
    course_id: Mapped[CourseId] = mapped_column(Text)
    lesson_slug: Mapped[LessonSlug] = mapped_column(Text)
    lesson_id: Mapped[LessonId] = mapped_column(BigInteger, ForeignKey("course_lessons.id"))
    environment_id: Mapped[EnvironmentId | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    verdict: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="")
    files: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # files sent with the request, else read at run time
    files_hash: Mapped[str | None] = mapped_column(Text)
    results: Mapped[list[CaseResult]] = mapped_column(StoredCaseResults, default=list)
    duration_s: Mapped[float | None] = mapped_column(Float)
    # Set when a first run was cut short by an overloaded host and the check ran again: what was measured.
    retried_because: Mapped[str | None] = mapped_column(Text)
    queued_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(TIMESTAMP)
    finished_at: Mapped[datetime | None] = mapped_column(TIMESTAMP)

    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        Index("ix_check_attempts_learner_lesson", "user_key", "course_id", "lesson_slug", "id"),
        # Checks per day and the last minutes' waits (practica.monitoring).
        Index("ix_check_attempts_queued_at", "queued_at"),
        Index("ix_check_attempts_finished_at", "finished_at"),
    )


class LessonCompletion(Base):
    __tablename__ = "lesson_completions"

    user_key: Mapped[OwnerKey] = mapped_column(Text, primary_key=True)
    course_id: Mapped[CourseId] = mapped_column(Text, primary_key=True)
    lesson_slug: Mapped[LessonSlug] = mapped_column(Text, primary_key=True)
    attempt_id: Mapped[AttemptId] = mapped_column(BigInteger, ForeignKey("check_attempts.id"))
    completed_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())

    __table_args__ = (Index("ix_lesson_completions_completed_at", "completed_at"),)  # completions per day
