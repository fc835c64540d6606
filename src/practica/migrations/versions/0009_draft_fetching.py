"""Drafts fetched by their job: a git import is stored before its files are (status fetching)

A draft imported from a git URL is stored at once, without its files, course
or unpublished version; its job clones the repository, then fills them in. A
fetch that fails keeps the reasons, and the course's format problems.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FILLED_BY_THE_FETCH = ("course_id", "title", "visibility", "version_id", "archive")
_STATUSES = "status IN ('fetching', 'validating', 'valid', 'invalid', 'published', 'failed')"
_OLD_STATUSES = "status IN ('validating', 'valid', 'invalid', 'published', 'failed')"


def upgrade() -> None:
    for column in _FILLED_BY_THE_FETCH:
        op.alter_column("course_drafts", column, nullable=True)
    op.add_column("course_drafts", sa.Column("problems", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.drop_constraint(op.f("ck_course_drafts_status"), "course_drafts", type_="check")
    op.create_check_constraint(op.f("ck_course_drafts_status"), "course_drafts", sa.text(_STATUSES))


def downgrade() -> None:
    op.execute("DELETE FROM course_drafts WHERE archive IS NULL")
    op.drop_constraint(op.f("ck_course_drafts_status"), "course_drafts", type_="check")
    op.create_check_constraint(op.f("ck_course_drafts_status"), "course_drafts", sa.text(_OLD_STATUSES))
    op.drop_column("course_drafts", "problems")
    for column in _FILLED_BY_THE_FETCH:
        op.alter_column("course_drafts", column, nullable=False)
