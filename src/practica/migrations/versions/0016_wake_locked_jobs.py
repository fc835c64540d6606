"""A job that frees its lock wakes the workers for the next job of that lock (additive)

Procrastinate wakes its workers (LISTEN/NOTIFY) when a job is *inserted*.
A job queued behind another with the same ``lock`` (an environment's start,
then its starter files; a stop, then a start) is inserted while the first
runs: the workers look, find it locked, and then sleep until their next
poll (``fetch_job_polling_interval``, 5 s by default) although the lock is
free a moment later. This trigger sends the same notification procrastinate
sends for an insert, for the next waiting job of the lock, as the job
holding it leaves ``doing``: the workers fetch it at once.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 05:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTION = """
CREATE FUNCTION practica_wake_next_locked_job() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    waiting procrastinate_jobs;
    payload TEXT;
BEGIN
    SELECT * INTO waiting FROM procrastinate_jobs
    WHERE lock = NEW.lock AND status = 'todo'
    ORDER BY priority DESC, id ASC LIMIT 1;
    IF FOUND THEN
        payload := json_build_object('type', 'job_inserted', 'job_id', waiting.id)::text;
        PERFORM pg_notify('procrastinate_queue_v1#' || waiting.queue_name, payload);
        PERFORM pg_notify('procrastinate_any_queue_v1', payload);
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute(_FUNCTION)
    op.execute(
        "CREATE TRIGGER practica_wake_next_locked_job AFTER UPDATE OF status ON procrastinate_jobs "
        "FOR EACH ROW WHEN (OLD.status = 'doing' AND NEW.status <> 'doing' AND NEW.lock IS NOT NULL) "
        "EXECUTE FUNCTION practica_wake_next_locked_job()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS practica_wake_next_locked_job ON procrastinate_jobs")
    op.execute("DROP FUNCTION IF EXISTS practica_wake_next_locked_job()")
