"""Tamper evidence: seals of each app's recorded days, the sealing watermark, retention anchors.

New tables only: ``entries`` is not touched (no rewrite, no new column). The
per-entry digests are random bytes, stored without compression attempts
(``STORAGE EXTERNAL``).

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "chain_seals",
        sa.Column("app", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.BigInteger(), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("id_deltas", sa.LargeBinary(), nullable=False),
        sa.Column("digests", sa.LargeBinary(), nullable=False),
        sa.Column("occurred_lags", sa.LargeBinary(), nullable=False),
        sa.Column("previous_head", sa.LargeBinary(), nullable=False),
        sa.Column("head", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_at", TIMESTAMP, server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("app", "day", name="pk_chain_seals"),
    )
    op.execute("ALTER TABLE chain_seals ALTER COLUMN digests SET STORAGE EXTERNAL")
    op.create_table(
        "chain_sealing",
        sa.Column("singleton", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("sealed_from", sa.Date(), nullable=False),
        sa.Column("sealed_through", sa.Date(), nullable=False),
        sa.CheckConstraint("singleton", name="ck_chain_sealing_one_row"),
        sa.PrimaryKeyConstraint("singleton", name="pk_chain_sealing"),
    )
    op.create_table(
        "chain_anchors",
        sa.Column("app", sa.Text(), nullable=False),
        sa.Column("forgotten_before", sa.Date(), nullable=False),
        sa.Column("head", sa.LargeBinary(), nullable=False),
        sa.Column("forgotten_at", TIMESTAMP, server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("app", name="pk_chain_anchors"),
    )


def downgrade() -> None:
    op.drop_table("chain_anchors")
    op.drop_table("chain_sealing")
    op.drop_table("chain_seals")
