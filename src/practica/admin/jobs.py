"""Procrastinate as the admin pages reach it: its tables for reading, its job manager for counts and actions.

Counting, retrying, cancelling, failing and finding stalled jobs go through
procrastinate's own :class:`~procrastinate.manager.JobManager`, on a
connector of one connection opened for the call (:func:`job_manager`: the
web app keeps no procrastinate pool, and these are rare admin actions).
Listing reads ``procrastinate_jobs`` itself (:func:`practica.admin.queries.list_jobs`),
because procrastinate's ``list_jobs`` returns every matching job at once, with
no limit, cursor or times.

A job is *stalled* when it is ``doing`` but its worker has sent no heartbeat
for ``PRACTICA_JOB_STALLED_AFTER`` seconds (or is gone): procrastinate's
:meth:`~procrastinate.manager.JobManager.get_stalled_jobs`. Nothing will
finish it, so an admin may queue it again (retry) or mark it failed. A job
whose worker still beats is left alone: it may just be slow.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import get_args

from procrastinate import PsycopgConnector
from procrastinate.manager import JobManager
from sqlalchemy import BigInteger, DateTime, Integer, Text, column, table
from sqlalchemy.dialects.postgresql import ENUM, JSONB

from practica.admin.schemas import JobStatus
from servicekit.jobs import libpq_conninfo

_STATUS = ENUM(*get_args(JobStatus), name="procrastinate_job_status", create_type=False)
_EVENT = ENUM(name="procrastinate_job_event_type", create_type=False)
FINAL_EVENTS = ["succeeded", "failed", "cancelled", "aborted"]
TIMESTAMP = DateTime(timezone=True)

jobs_table = table(
    "procrastinate_jobs",
    column("id", BigInteger), column("queue_name", Text), column("task_name", Text), column("status", _STATUS),
    column("attempts", Integer), column("priority", Integer), column("lock", Text), column("args", JSONB),
    column("scheduled_at", TIMESTAMP),
)  # fmt: skip
events_table = table(
    "procrastinate_events", column("job_id", BigInteger), column("type", _EVENT), column("at", TIMESTAMP)
)


@asynccontextmanager
async def job_manager(database_url: str) -> AsyncIterator[JobManager]:
    """Procrastinate's job manager on one connection to ``database_url``, for the block."""
    connector = PsycopgConnector(conninfo=libpq_conninfo(database_url), min_size=1, max_size=1)
    await connector.open_async()
    try:
        yield JobManager(connector)
    finally:
        await connector.close_async()


async def stalled_ids(manager: JobManager, stalled_after_s: float) -> set[int]:
    """The ids of the jobs ``doing`` whose worker sent no heartbeat for ``stalled_after_s`` seconds (or is gone)."""
    stalled = await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after_s)
    return {job.id for job in stalled if job.id is not None}
