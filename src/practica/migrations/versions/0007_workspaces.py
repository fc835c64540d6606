"""Lesson workspaces

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 20:16:28.178204
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lesson_workspaces",
        sa.Column("user_key", sa.Text(), nullable=False),
        sa.Column("course_id", sa.Text(), nullable=False),
        sa.Column("lesson_slug", sa.Text(), nullable=False),
        sa.Column("environment_id", sa.Text(), nullable=False),
        sa.Column("starter_lesson_id", sa.BigInteger(), nullable=False),
        sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["starter_lesson_id"],
            ["course_lessons.id"],
            name=op.f("fk_lesson_workspaces_starter_lesson_id_course_lessons"),
        ),
        sa.PrimaryKeyConstraint("user_key", "course_id", "lesson_slug", name=op.f("pk_lesson_workspaces")),
    )


def downgrade() -> None:
    op.drop_table("lesson_workspaces")
