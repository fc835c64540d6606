"""The reads behind the system figures; each costs one index scan or a small aggregate per scrape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

CHECK_WINDOW_MINUTES = 10

_QUEUES = text(
    """
    SELECT j.queue_name, count(*),
           coalesce(extract(epoch FROM now() - min(coalesce(j.scheduled_at, e.deferred_at))), 0)
    FROM procrastinate_jobs AS j
    LEFT JOIN LATERAL (
        SELECT min(at) AS deferred_at FROM procrastinate_events WHERE job_id = j.id AND type = 'deferred'
    ) AS e ON true
    WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())
    GROUP BY j.queue_name
    """
)
_CHECK_WAITS = text(
    f"""
    SELECT count(*),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - queued_at)),
           percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - queued_at))
    FROM check_attempts
    WHERE finished_at > now() - interval '{CHECK_WINDOW_MINUTES} minutes' AND user_key NOT LIKE 'preview:%'
    """  # noqa: S608 (a constant, not input)
)
# the states of mail_outbox's check constraint
MAIL_STATES = ("queued", "sent", "deferred", "bounced", "complained", "suppressed", "dropped")
_MAIL_RECENT = text(
    "SELECT state, count(*) FROM mail_outbox WHERE state_changed_at > now() - interval '1 day' GROUP BY state"
)
_MAIL_SUPPRESSED = text("SELECT count(*) FROM mail_suppressions")
_FAILED_JOBS = text(
    """
    SELECT j.id, j.task_name, j.queue_name, j.attempts, e.at
    FROM procrastinate_events AS e JOIN procrastinate_jobs AS j ON j.id = e.job_id
    WHERE e.type = 'failed' AND e.at >= to_timestamp(:start) AND e.at < to_timestamp(:end)
    ORDER BY e.at, j.id
    """
)


@dataclass(frozen=True)
class QueueFigures:
    queue: str
    ready: int
    oldest_seconds: float


@dataclass(frozen=True)
class CheckWaits:
    """Queued-to-finished times of the learners' checks that finished in the window (what a learner waits)."""

    finished: int
    p50_seconds: float
    p95_seconds: float


async def queue_figures(conn: AsyncConnection) -> list[QueueFigures]:
    """Jobs ready to run per queue, and how long the oldest has waited."""
    rows = await conn.execute(_QUEUES)
    return [QueueFigures(queue, int(ready), float(oldest)) for queue, ready, oldest in rows]


async def check_waits(conn: AsyncConnection) -> CheckWaits:
    finished, p50, p95 = (await conn.execute(_CHECK_WAITS)).one()
    return CheckWaits(int(finished), float(p50 or 0.0), float(p95 or 0.0))


@dataclass(frozen=True)
class FailedJob:
    id: int
    task: str
    queue: str
    attempts: int
    failed_at: datetime


async def failed_jobs(conn: AsyncConnection, start: float, end: float) -> list[FailedJob]:
    """Jobs that failed for good between the Unix times ``start`` (included) and ``end`` (excluded)."""
    rows = await conn.execute(_FAILED_JOBS, {"start": start, "end": end})
    return [FailedJob(*row) for row in rows]


@dataclass(frozen=True)
class MailFigures:
    """Mails per delivery state that changed in the last day (every state named), and suppressed addresses."""

    recent: dict[str, int]
    suppressed: int


async def mail_figures(conn: AsyncConnection) -> MailFigures:
    counts = {state: int(count) for state, count in await conn.execute(_MAIL_RECENT)}
    suppressed = await conn.scalar(_MAIL_SUPPRESSED)
    return MailFigures({state: counts.get(state, 0) for state in MAIL_STATES}, int(suppressed or 0))
