"""Learners' workspaces saved in the database, and when an environment was last made anew (additive)

See :mod:`practica.learning.saves`: the files of a learner's workspace are
saved here while they work, and put back when their environment has to be
made again (its host lost it, or it was removed). Existing prepared
workspaces count as filled for their environment as it is.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 15:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "learner_environments",
        sa.Column("made_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    )
    op.execute("UPDATE learner_environments SET made_at = created_at")
    op.add_column("lesson_workspaces", sa.Column("filled_for", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE lesson_workspaces AS w SET filled_for = e.made_at FROM learner_environments AS e"
        " WHERE e.id = w.environment_id AND w.prepared_at IS NOT NULL"
    )
    op.create_table(
        "workspace_saves",
        sa.Column("user_key", sa.Text(), nullable=False),
        sa.Column("course_id", sa.Text(), nullable=False),
        sa.Column("lesson_slug", sa.Text(), nullable=False),
        sa.Column("environment_id", sa.Text(), nullable=False),
        sa.Column("archive", sa.LargeBinary(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("left_out", sa.Integer(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_key", "course_id", "lesson_slug"],
            ["lesson_workspaces.user_key", "lesson_workspaces.course_id", "lesson_workspaces.lesson_slug"],
            name=op.f("fk_workspace_saves_user_key_lesson_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_key", "course_id", "lesson_slug", name=op.f("pk_workspace_saves")),
    )


def downgrade() -> None:
    op.drop_table("workspace_saves")
    op.drop_column("lesson_workspaces", "filled_for")
    op.drop_column("learner_environments", "made_at")
