"""A learner's workspace for a lesson: which environment holds it, whether its files are in, and its last save."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, ForeignKeyConstraint, Integer, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from practica.db.base import Base
from practica.ids import CourseId, EnvironmentId, LessonId, LessonSlug, OwnerKey


class LessonWorkspace(Base):
    """One per learner and lesson (across course versions: a learner keeps their files when they upgrade).

    ``prepared_at`` is unset while the prepare job has yet to write the starter
    files (a new environment, or a reset); the lesson page waits for it.
    ``filled_for`` is the ``made_at`` of the environment the files last went
    into: when the environment's is newer, the runtime made it again (its
    host lost it) and the files must go in again.
    """

    __tablename__ = "lesson_workspaces"

    user_key: Mapped[OwnerKey] = mapped_column(Text, primary_key=True)
    course_id: Mapped[CourseId] = mapped_column(Text, primary_key=True)
    lesson_slug: Mapped[LessonSlug] = mapped_column(Text, primary_key=True)
    environment_id: Mapped[EnvironmentId] = mapped_column(Text)
    starter_lesson_id: Mapped[LessonId] = mapped_column(BigInteger, ForeignKey("course_lessons.id"))
    prepared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    filled_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WorkspaceSave(Base):
    """The learner's files as last saved from their environment (:mod:`practica.learning.saves`).

    ``archive`` is a gzip-compressed tar of the workspace's regular files,
    smallest first up to the size limit; ``left_out`` counts what did not fit
    (and symlinks, devices, FIFOs). ``digest`` is of the listing (paths, sizes,
    modes, times): an unchanged listing is not read again.
    """

    __tablename__ = "workspace_saves"

    user_key: Mapped[OwnerKey] = mapped_column(Text, primary_key=True)
    course_id: Mapped[CourseId] = mapped_column(Text, primary_key=True)
    lesson_slug: Mapped[LessonSlug] = mapped_column(Text, primary_key=True)
    environment_id: Mapped[EnvironmentId] = mapped_column(Text)
    archive: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[str] = mapped_column(String(64))
    files: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    left_out: Mapped[int] = mapped_column(Integer)
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        ForeignKeyConstraint(
            ["user_key", "course_id", "lesson_slug"],
            ["lesson_workspaces.user_key", "lesson_workspaces.course_id", "lesson_workspaces.lesson_slug"],
            ondelete="CASCADE",
        ),
    )
