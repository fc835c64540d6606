"""Job queue for backfills: procrastinate's schema, pinned to the installed 3.10 series.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op
from procrastinate.schema import SchemaManager

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    raw = op.get_bind().connection.dbapi_connection
    assert raw is not None
    raw.cursor().execute(SchemaManager.get_schema())


def downgrade() -> None:
    raise NotImplementedError("the job queue schema cannot be removed while jobs may be queued")
