"""Sandboxes made ahead of demand, per eval host and spec (additive)

See :mod:`practica.environments.pool`: a lesson opened for the first time
takes a running sandbox from this table instead of waiting for one to start.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 05:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sandbox_pool",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("pool_key", sa.String(length=64), nullable=False),
        sa.Column("spec", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_pool")),
    )
    op.create_index("ix_sandbox_pool_host_key", "sandbox_pool", ["host", "pool_key", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_sandbox_pool_host_key", table_name="sandbox_pool")
    op.drop_table("sandbox_pool")
