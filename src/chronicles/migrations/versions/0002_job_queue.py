"""Job queue for backfills: procrastinate's schema, pinned to the installed 3.10 series.

When Chronicles shares its database with Practica the schema is already
there; both then use one queue table, with Chronicles' tasks on the
``chronicles`` queue that only Chronicles workers listen to.

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
    bind = op.get_bind()
    if bind.exec_driver_sql("SELECT to_regclass('procrastinate_jobs')").scalar() is not None:
        return
    raw = bind.connection.dbapi_connection
    assert raw is not None
    raw.cursor().execute(SchemaManager.get_schema())


def downgrade() -> None:
    raise NotImplementedError("the job queue schema cannot be removed while jobs may be queued")
