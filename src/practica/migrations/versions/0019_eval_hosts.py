"""Eval hosts the platform may place environments on (additive)

See :mod:`practica.hosts`: each row is an engine reached over TLS, with what
it may hold and what the heartbeat last found. The partial index finds the
environments that hold a host's room (starting or running) without reading
the stopped ones.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 22:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "eval_hosts",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("cert_dir", sa.Text(), nullable=False),
        sa.Column("capacity_memory", sa.BigInteger(), nullable=False),
        sa.Column("capacity_count", sa.Integer(), nullable=False),
        sa.Column("engine", sa.Text(), nullable=False),
        sa.Column("draining", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("down_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint("capacity_memory > 0", name=op.f("ck_eval_hosts_capacity_memory")),
        sa.CheckConstraint("capacity_count > 0", name=op.f("ck_eval_hosts_capacity_count")),
        sa.CheckConstraint("name ~ '^[a-z0-9][a-z0-9-]{0,62}$'", name=op.f("ck_eval_hosts_name")),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_eval_hosts")),
    )
    op.create_index(
        "ix_learner_environments_host_live",
        "learner_environments",
        ["host"],
        postgresql_where=sa.text("status IN ('starting', 'running')"),
    )


def downgrade() -> None:
    op.drop_index("ix_learner_environments_host_live", table_name="learner_environments")
    op.drop_table("eval_hosts")
