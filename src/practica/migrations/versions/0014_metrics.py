"""What the admin Metrics page counts per day, kept cheap to read (additive)

``learner_environments`` keeps only an environment's latest start and stop;
the page sums hours per day, so a trigger on its status writes one
``environment_runs`` row per start and closes it at the stop. Existing
running environments get an open run from their ``started_at``. Sign-ups,
checks and lesson completions get an index on their time, so a day's (or
the last 24 hours') figures are index range scans, not table scans.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 02:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRIGGER_FUNCTION = """
CREATE FUNCTION practica_record_environment_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'running' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'running') THEN
        UPDATE environment_runs SET stopped_at = now() WHERE environment_id = NEW.id AND stopped_at IS NULL;
        INSERT INTO environment_runs (environment_id, owner_key, started_at)
        VALUES (NEW.id, NEW.owner_key, coalesce(NEW.started_at, now()));
    ELSIF TG_OP = 'UPDATE' AND OLD.status = 'running' AND NEW.status <> 'running' THEN
        UPDATE environment_runs SET stopped_at = greatest(started_at, coalesce(NEW.stopped_at, now()))
        WHERE environment_id = NEW.id AND stopped_at IS NULL;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "environment_runs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("environment_id", sa.String(length=64), nullable=False),
        sa.Column("owner_key", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_environment_runs")),
    )
    op.create_index("ix_environment_runs_started_at", "environment_runs", ["started_at"])
    op.create_index(
        "ix_environment_runs_open",
        "environment_runs",
        ["environment_id"],
        postgresql_where=sa.text("stopped_at IS NULL"),
    )
    op.create_index("ix_users_created_at", "users", ["created_at"])
    op.create_index("ix_check_attempts_queued_at", "check_attempts", ["queued_at"])
    op.create_index("ix_check_attempts_finished_at", "check_attempts", ["finished_at"])
    op.create_index("ix_lesson_completions_completed_at", "lesson_completions", ["completed_at"])
    op.execute(
        "INSERT INTO environment_runs (environment_id, owner_key, started_at) "
        "SELECT id, owner_key, coalesce(started_at, now()) FROM learner_environments WHERE status = 'running'"
    )
    op.execute(_TRIGGER_FUNCTION)
    op.execute(
        "CREATE TRIGGER record_environment_runs AFTER INSERT OR UPDATE OF status ON learner_environments "
        "FOR EACH ROW EXECUTE FUNCTION practica_record_environment_runs()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS record_environment_runs ON learner_environments")
    op.execute("DROP FUNCTION IF EXISTS practica_record_environment_runs()")
    op.drop_table("environment_runs")
    op.drop_index("ix_lesson_completions_completed_at", table_name="lesson_completions")
    op.drop_index("ix_check_attempts_finished_at", table_name="check_attempts")
    op.drop_index("ix_check_attempts_queued_at", table_name="check_attempts")
    op.drop_index("ix_users_created_at", table_name="users")
