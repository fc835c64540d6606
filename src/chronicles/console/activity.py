"""What the console charts and lists beyond the ingestion status: entries per minute and app, dead letters
filtered by source, and Chronicles' job queue.

Every query is bounded. The history reads the last few minutes through the
BRIN index on ``recorded_at`` (as the ingestion status does); the job queue
is counted over procrastinate's index on ``queue_name``, and failures are a
short page, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from chronicles.ingest.dead_letters import SELECT as SELECT_DEAD_LETTERS
from chronicles.ingest.dead_letters import DeadLetterRow
from chronicles.jobs import QUEUE

MAX_HISTORY_MINUTES = 180
MAX_FAILURES = 100
HISTORY = """
SELECT date_trunc('minute', recorded_at) AS minute, app, count(*)
FROM entries WHERE recorded_at > date_trunc('minute', now()) - make_interval(mins => %(minutes)s)
GROUP BY 1, 2 ORDER BY 1, 2
"""
DEAD_LETTERS_PAGE = (
    SELECT_DEAD_LETTERS
    + """
WHERE (%(status)s::text IS NULL OR status = %(status)s::text)
  AND (%(source)s::text IS NULL OR source = %(source)s::text) AND id > %(after)s
ORDER BY id LIMIT %(limit)s
"""
)
JOB_COUNTS = "SELECT status::text, count(*) FROM procrastinate_jobs WHERE queue_name = %s GROUP BY 1 ORDER BY 1"
JOB_FAILURES = """
SELECT j.id, j.task_name, j.args, j.attempts, j.scheduled_at,
       (SELECT max(e.at) FROM procrastinate_events AS e WHERE e.job_id = j.id AND e.type = 'failed')
FROM procrastinate_jobs AS j
WHERE j.queue_name = %s AND j.status = 'failed'
ORDER BY j.id DESC LIMIT %s
"""


@dataclass(frozen=True)
class MinuteCount:
    """Entries of one app recorded in one minute."""

    minute: datetime
    app: str
    entries: int


@dataclass(frozen=True)
class FailedJob:
    id: int
    task: str
    args: dict[str, Any]
    attempts: int
    scheduled_at: datetime | None
    failed_at: datetime | None


@dataclass(frozen=True)
class JobQueue:
    counts: dict[str, int]
    failures: list[FailedJob]


async def entries_per_minute(conn: AsyncConnection, minutes: int) -> list[MinuteCount]:
    """Per minute and app over the last ``minutes`` whole minutes and the current one; empty minutes absent."""
    rows = await (await conn.execute(HISTORY, {"minutes": minutes})).fetchall()
    return [MinuteCount(minute, app, count) for minute, app, count in rows]


async def dead_letters_page(
    conn: AsyncConnection, *, status: str | None, source: str | None, first: int, after: int
) -> tuple[list[DeadLetterRow], bool]:
    """A page of dead letters, oldest first, after id ``after``; and whether more follow."""
    values = {"status": status, "source": source, "after": after, "limit": first + 1}
    rows = await (await conn.execute(DEAD_LETTERS_PAGE, values)).fetchall()
    return [DeadLetterRow(*row) for row in rows[:first]], len(rows) > first


async def job_queue(conn: AsyncConnection, failures: int) -> JobQueue:
    """Jobs of Chronicles' queue counted by status, and the latest ``failures`` failed ones."""
    counts = {status: count for status, count in await (await conn.execute(JOB_COUNTS, (QUEUE,))).fetchall()}
    rows = await (await conn.execute(JOB_FAILURES, (QUEUE, failures))).fetchall()
    return JobQueue(counts, [FailedJob(*row) for row in rows])
