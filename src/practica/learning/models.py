"""A learner's workspace for a lesson: which environment holds it, and whether the starter files are in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from practica.db.base import Base
from practica.ids import CourseId, EnvironmentId, LessonId, LessonSlug, OwnerKey


class LessonWorkspace(Base):
    """One per learner and lesson (across course versions: a learner keeps their files when they upgrade).

    ``prepared_at`` is unset while the prepare job has yet to write the starter
    files (a new environment, or a reset); the lesson page waits for it.
    """

    __tablename__ = "lesson_workspaces"

    user_key: Mapped[OwnerKey] = mapped_column(Text, primary_key=True)
    course_id: Mapped[CourseId] = mapped_column(Text, primary_key=True)
    lesson_slug: Mapped[LessonSlug] = mapped_column(Text, primary_key=True)
    environment_id: Mapped[EnvironmentId] = mapped_column(Text)
    starter_lesson_id: Mapped[LessonId] = mapped_column(BigInteger, ForeignKey("course_lessons.id"))
    prepared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
