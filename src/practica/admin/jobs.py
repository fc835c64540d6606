"""Procrastinate's jobs for admins: listed, counted per queue and status, retried, cancelled.

Counting, retrying and cancelling go through procrastinate's own
:class:`~procrastinate.manager.JobManager`, on a connector of one connection
opened for the call (the web app keeps no procrastinate pool, and these are
rare admin actions). Listing reads ``procrastinate_jobs`` itself, because
procrastinate's ``list_jobs`` returns every matching job at once, with no
limit, cursor or times: here a page is newest first, with when the job was
queued, started and finished (from ``procrastinate_events``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Literal, get_args

from procrastinate import PsycopgConnector, exceptions, utils
from procrastinate.manager import JobManager
from pydantic import BaseModel
from sqlalchemy import BigInteger, DateTime, Integer, Text, column, func, select, table, true
from sqlalchemy.dialects.postgresql import ENUM, JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from practica.web.paging import Page
from servicekit.jobs import libpq_conninfo

JobStatus = Literal["todo", "doing", "succeeded", "failed", "cancelled", "aborted"]
_STATUS = ENUM(*get_args(JobStatus), name="procrastinate_job_status", create_type=False)
_EVENT = ENUM(name="procrastinate_job_event_type", create_type=False)
_FINAL_EVENTS = ["succeeded", "failed", "cancelled", "aborted"]
TIMESTAMP = DateTime(timezone=True)

_jobs = table(
    "procrastinate_jobs",
    column("id", BigInteger), column("queue_name", Text), column("task_name", Text), column("status", _STATUS),
    column("attempts", Integer), column("priority", Integer), column("lock", Text), column("args", JSONB),
    column("scheduled_at", TIMESTAMP),
)  # fmt: skip
_events = table("procrastinate_events", column("job_id", BigInteger), column("type", _EVENT), column("at", TIMESTAMP))


class JobView(BaseModel):
    id: int
    queue: str
    task: str
    status: JobStatus
    attempts: int
    priority: int
    lock: str | None
    args: dict[str, Any]
    scheduled_at: datetime | None
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None  # unset while the job is todo or doing


class JobPage(Page[JobView, int]):
    """Jobs, newest first; ``next_after`` is the last job's id."""


class QueueCounts(BaseModel):
    queue: str
    total: int
    todo: int
    doing: int
    succeeded: int
    failed: int
    cancelled: int
    aborted: int


class JobStateError(Exception):
    """The job is missing (404) or not in a state the action applies to (409)."""

    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        self.detail = detail
        super().__init__(detail)


def _times() -> Any:
    events = _events.c
    return (
        select(
            func.min(events.at).filter(events.type == "deferred").label("queued_at"),
            func.max(events.at).filter(events.type == "started").label("started_at"),
            func.max(events.at).filter(events.type.in_(_FINAL_EVENTS)).label("finished_at"),
        )
        .where(events.job_id == _jobs.c.id)
        .lateral("times")
    )


async def list_jobs(
    session: AsyncSession,
    *,
    status: JobStatus | None = None,
    queue: str | None = None,
    task: str | None = None,
    job_id: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> list[JobView]:
    """Newest first; ``after`` is the last id of the previous page."""
    times = _times()
    query = select(_jobs, times).select_from(_jobs.outerjoin(times, true())).order_by(_jobs.c.id.desc()).limit(limit)
    filters = {_jobs.c.status: status, _jobs.c.queue_name: queue, _jobs.c.task_name: task, _jobs.c.id: job_id}
    for where, value in filters.items():
        if value is not None:
            query = query.where(where == value)
    if after is not None:
        query = query.where(_jobs.c.id < after)
    return [_view(row) for row in (await session.execute(query)).mappings()]


def _view(row: Any) -> JobView:
    return JobView(
        id=row["id"], queue=row["queue_name"], task=row["task_name"], status=row["status"], attempts=row["attempts"],
        priority=row["priority"], lock=row["lock"], args=row["args"] or {}, scheduled_at=row["scheduled_at"],
        queued_at=row["queued_at"], started_at=row["started_at"],
        finished_at=None if row["status"] in ("todo", "doing") else row["finished_at"],
    )  # fmt: skip


@asynccontextmanager
async def job_manager(database_url: str) -> AsyncIterator[JobManager]:
    """Procrastinate's job manager on one connection to ``database_url``, for the block."""
    connector = PsycopgConnector(conninfo=libpq_conninfo(database_url), min_size=1, max_size=1)
    await connector.open_async()
    try:
        yield JobManager(connector)
    finally:
        await connector.close_async()


async def queue_counts(manager: JobManager) -> list[QueueCounts]:
    statuses = ("todo", "doing", "succeeded", "failed", "cancelled", "aborted")
    return [
        QueueCounts(queue=row["name"], total=row["jobs_count"], **{status: row[status] for status in statuses})
        for row in await manager.list_queues_async()
    ]


async def _status(manager: JobManager, job_id: int) -> str:
    try:
        return (await manager.get_job_status_async(job_id)).value
    except exceptions.NoResult:
        raise JobStateError(404, f"no job {job_id}") from None


async def retry(manager: JobManager, job_id: int) -> None:
    """Queue a failed job again, to run now (procrastinate counts it as one more attempt)."""
    status = await _status(manager, job_id)
    if status != "failed":
        raise JobStateError(409, f"job {job_id} is {status}: only a failed job can be retried")
    try:
        await manager.retry_job_by_id_async(job_id, retry_at=utils.utcnow())
    except exceptions.ConnectorException:  # it changed state since: procrastinate refuses
        raise JobStateError(409, f"job {job_id} is no longer failed: only a failed job can be retried") from None


async def cancel(manager: JobManager, job_id: int) -> None:
    """Cancel a job that has not started (``todo``); a running one is left alone."""
    status = await _status(manager, job_id)
    if status != "todo":
        raise JobStateError(409, f"job {job_id} is {status}: only a job still to do (todo) can be cancelled")
    if not await manager.cancel_job_by_id_async(job_id):
        raise JobStateError(409, f"job {job_id} started meanwhile: only a job still to do (todo) can be cancelled")
