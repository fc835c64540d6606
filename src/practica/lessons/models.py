"""Courses in the database: immutable versions, their lessons, and who learns which version.

A course import that changes anything publishes a new version; versions are
never edited. A learner's enrolment points at one version, so an author's
new version never moves someone mid-lesson: they move when they choose
(:func:`practica.lessons.service.upgrade_to_latest`). Versions being immutable,
a web app keeps what it read of them (:class:`practica.lessons.queries.CatalogueCache`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Integer, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from practica.db.base import Base
from practica.ids import CourseId, LessonId, LessonSlug, OwnerKey, UserId, VersionId
from practica.lessons.format import Lesson, Visibility
from practica.lessons.stored import LessonDefinition

TIMESTAMP = DateTime(timezone=True)


class Course(Base):
    """A course id and who may publish under it (:mod:`practica.lessons.ownership`).

    ``owner_id``: the author whose version was the course's first; ``organization_id``: the organisation
    of the newest published version (its admins publish too). Neither set: admins only (a course
    imported by an operator, ``practica course import``).
    """

    __tablename__ = "courses"

    id: Mapped[CourseId] = mapped_column(Text, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    owner_id: Mapped[UserId | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    organization_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("organizations.id", ondelete="SET NULL"))


class CourseVersion(Base):
    __tablename__ = "course_versions"

    id: Mapped[VersionId] = mapped_column(BigInteger, Identity(), primary_key=True)
    course_id: Mapped[CourseId] = mapped_column(Text, ForeignKey("courses.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    visibility: Mapped[Visibility] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(TIMESTAMP)  # None: an author's draft, never listed

    __table_args__ = (UniqueConstraint("course_id", "number", name="uq_course_versions_number"),)


class CourseLesson(Base):
    """One lesson of one version: its definition and files (hidden tests never leave the server)."""

    __tablename__ = "course_lessons"

    id: Mapped[LessonId] = mapped_column(BigInteger, Identity(), primary_key=True)
    version_id: Mapped[VersionId] = mapped_column(BigInteger, ForeignKey("course_versions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    slug: Mapped[LessonSlug] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(Text)
    definition: Mapped[Lesson] = mapped_column(LessonDefinition)  # lesson.yaml, validated; read back as the model
    files: Mapped[dict[str, Any]] = mapped_column(JSONB)  # {"starter"|"tests"|"solution": {path: {data, mode}}}

    __table_args__ = (UniqueConstraint("version_id", "slug", name="uq_course_lessons_slug"),)


class Enrollment(Base):
    __tablename__ = "course_enrollments"

    user_key: Mapped[OwnerKey] = mapped_column(Text, primary_key=True)
    course_id: Mapped[CourseId] = mapped_column(Text, ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    version_id: Mapped[VersionId] = mapped_column(BigInteger, ForeignKey("course_versions.id"))
    enrolled_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
