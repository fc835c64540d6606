"""Checks the host cut short are run again: the attempt keeps why (additive)

A check that hit its limit on an overloaded eval host (its own CPU time far
below the wall-clock time while tasks waited for a CPU) is run once more;
``retried_because`` says what was measured. Null for every other attempt,
and for all earlier ones.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 18:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("check_attempts", sa.Column("retried_because", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("check_attempts", "retried_because")
