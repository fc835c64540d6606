"""Job queue: procrastinate's schema, pinned to the installed 3.10 series.

Procrastinate upgrades ship SQL migration files; a later Alembic revision
applies them when the pinned version moves.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op
from procrastinate.schema import SchemaManager

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.exec_driver_sql("SELECT to_regclass('procrastinate_jobs')").scalar() is not None:
        return  # a database shared with Chronicles, which created it first
    raw = bind.connection.dbapi_connection
    assert raw is not None
    raw.cursor().execute(SchemaManager.get_schema())


def downgrade() -> None:
    raise NotImplementedError("the job queue schema cannot be removed while jobs may be queued")
