"""Find the jobs that failed in a minute without scanning every job event (additive)

The operations webhook reports each minute's failed jobs
(:mod:`practica.monitoring.tasks`); procrastinate's events table grows with
every job, so the failures get a small partial index of their own.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 02:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_procrastinate_events_failed_at "
        "ON procrastinate_events (at) WHERE type = 'failed'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_procrastinate_events_failed_at")
