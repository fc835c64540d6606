"""Course drafts: an author's import, waiting to be validated, previewed and published.

A draft holds the course's files (a gzipped tar, see :mod:`practica.authoring.archives`)
and points at an unpublished :class:`~practica.lessons.models.CourseVersion` made
from them, which is what a preview opens. A draft imported from a git URL is
stored before its files: its job clones the repository and fills in the files,
the course and the version (until then they are null). Its status::

    fetching ──the job clones──> validating ──the job──> valid ──publish──> published
        │                           │
        │                           ├──────────────────> invalid  (a run did not hold: the report says which)
        └───────────────────────────┴──────────────────> failed   (``error`` says why; ``problems`` lists
                                                                    the format problems of fetched files)

A failed fetch is the author's to mend (import again); a broken validation's
job fails too, and retrying it runs it again.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from practica.db.base import Base
from practica.ids import CourseId, OrganizationSlug, UserId, VersionId
from practica.lessons.format import Visibility, organization_of

TIMESTAMP = DateTime(timezone=True)


class DraftStatus(StrEnum):
    FETCHING = "fetching"
    VALIDATING = "validating"
    VALID = "valid"
    INVALID = "invalid"
    PUBLISHED = "published"
    FAILED = "failed"


_STATUSES = ", ".join(f"'{status.value}'" for status in DraftStatus)


class CourseDraft(Base):
    __tablename__ = "course_drafts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    author_id: Mapped[UserId] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(Text)  # the git URL, or "upload:FILENAME"
    # Null while a git import is fetched:
    course_id: Mapped[CourseId | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    visibility: Mapped[Visibility | None] = mapped_column(Text)
    version_id: Mapped[VersionId | None] = mapped_column(
        BigInteger, ForeignKey("course_versions.id", ondelete="CASCADE")
    )
    archive: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # read only by the job and publishing
    status: Mapped[str] = mapped_column(Text, server_default=text("'validating'"))
    progress_done: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    progress_total: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
    problems: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)  # format problems of fetched files
    published_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(TIMESTAMP)  # validation finished
    published_at: Mapped[datetime | None] = mapped_column(TIMESTAMP)

    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        Index("ix_course_drafts_author_id", "author_id", "id"),
    )

    @property
    def organization(self) -> OrganizationSlug | None:
        """The organisation the course is for: None for a public one, and before a git import is fetched."""
        return organization_of(self.visibility) if self.visibility else None

    @property
    def progress(self) -> dict[str, int]:
        """Validation runs done of total, as the API shows them."""
        return {"done": self.progress_done, "total": self.progress_total}
