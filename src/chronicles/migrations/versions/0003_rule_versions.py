"""Rule versions for backfills: retired rule definitions, backfill bounds and counts.

``tag_rules.retired`` keeps the definitions a rule had before a change whose
tags may still be on stored entries; a backfill copies them into
``backfills.previous`` and removes what they gave that the rule no longer
gives. Every column is added with a constant default (no table rewrite), so
old code keeps working against the new schema during a deploy.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    empty = sa.text("'[]'::jsonb")
    op.add_column("tag_rules", sa.Column("retired", postgresql.JSONB(), server_default=empty, nullable=False))
    op.add_column("backfills", sa.Column("previous", postgresql.JSONB(), server_default=empty, nullable=False))
    op.add_column("backfills", sa.Column("rule_revision", sa.Integer(), server_default=sa.text("1"), nullable=False))
    op.add_column("backfills", sa.Column("start_id", sa.BigInteger(), server_default=sa.text("0"), nullable=False))
    op.add_column("backfills", sa.Column("untagged", sa.BigInteger(), server_default=sa.text("0"), nullable=False))


def downgrade() -> None:
    op.drop_column("backfills", "untagged")
    op.drop_column("backfills", "start_id")
    op.drop_column("backfills", "rule_revision")
    op.drop_column("backfills", "previous")
    op.drop_column("tag_rules", "retired")
