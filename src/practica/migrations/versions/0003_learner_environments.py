"""Learner environments: one row per environment a learner has for a lesson

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 18:44:26.135710
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = "'starting', 'running', 'stopping', 'stopped', 'removed', 'failed'"


def upgrade() -> None:
    op.create_table(
        "learner_environments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("owner_key", sa.String(length=200), nullable=False),
        sa.Column("lesson_key", sa.String(length=200), nullable=False),
        sa.Column("runtime", sa.String(length=32), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("spec", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_active_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(f"status IN ({STATES})", name=op.f("ck_learner_environments_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learner_environments")),
    )
    op.create_index(
        "ix_learner_environments_running",
        "learner_environments",
        ["last_active_at"],
        unique=False,
        postgresql_where=sa.text("status = 'running'"),
    )
    op.create_index(
        "uq_learner_environments_owner_lesson",
        "learner_environments",
        ["owner_key", "lesson_key"],
        unique=True,
        postgresql_where=sa.text("status <> 'removed'"),
    )


def downgrade() -> None:
    op.drop_index("uq_learner_environments_owner_lesson", table_name="learner_environments")
    op.drop_index("ix_learner_environments_running", table_name="learner_environments")
    op.drop_table("learner_environments")
