"""Check attempts and lesson completions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 20:06:44.701240
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "check_attempts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("user_key", sa.Text(), nullable=False),
        sa.Column("course_id", sa.Text(), nullable=False),
        sa.Column("lesson_slug", sa.Text(), nullable=False),
        sa.Column("lesson_id", sa.BigInteger(), nullable=False),
        sa.Column("environment_id", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("verdict", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("files", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("files_hash", sa.Text(), nullable=True),
        sa.Column("results", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'passed', 'failed', 'error')", name=op.f("ck_check_attempts_status")
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["course_lessons.id"], name=op.f("fk_check_attempts_lesson_id_course_lessons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_attempts")),
    )
    op.create_index(
        "ix_check_attempts_learner_lesson",
        "check_attempts",
        ["user_key", "course_id", "lesson_slug", "id"],
        unique=False,
    )
    op.create_table(
        "lesson_completions",
        sa.Column("user_key", sa.Text(), nullable=False),
        sa.Column("course_id", sa.Text(), nullable=False),
        sa.Column("lesson_slug", sa.Text(), nullable=False),
        sa.Column("attempt_id", sa.BigInteger(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["check_attempts.id"], name=op.f("fk_lesson_completions_attempt_id_check_attempts")
        ),
        sa.PrimaryKeyConstraint("user_key", "course_id", "lesson_slug", name=op.f("pk_lesson_completions")),
    )


def downgrade() -> None:
    op.drop_table("lesson_completions")
    op.drop_index("ix_check_attempts_learner_lesson", table_name="check_attempts")
    op.drop_table("check_attempts")
