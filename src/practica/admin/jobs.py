"""Procrastinate's jobs for admins: listed, counted per queue and status, retried, cancelled, failed.

Counting, retrying, cancelling, failing and finding stalled jobs go through
procrastinate's own :class:`~procrastinate.manager.JobManager`, on a
connector of one connection opened for the call (the web app keeps no
procrastinate pool, and these are rare admin actions). Listing reads
``procrastinate_jobs`` itself, because procrastinate's ``list_jobs`` returns
every matching job at once, with no limit, cursor or times: here a page is
newest first, with when the job was queued, started and finished (from
``procrastinate_events``).

A job is *stalled* when it is ``doing`` but its worker has sent no heartbeat
for ``PRACTICA_JOB_STALLED_AFTER`` seconds (or is gone): procrastinate's
:meth:`~procrastinate.manager.JobManager.get_stalled_jobs`. Nothing will
finish it, so an admin may queue it again (retry) or mark it failed. A job
whose worker still beats is left alone: it may just be slow.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Literal, get_args

from procrastinate import PsycopgConnector, exceptions, utils
from procrastinate.jobs import Status
from procrastinate.manager import JobManager
from pydantic import BaseModel, Field
from sqlalchemy import BigInteger, DateTime, Integer, Text, case, cast, column, false, func, null, select, table, true
from sqlalchemy.dialects.postgresql import ENUM, JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from practica.admin.errors import AdminError
from practica.db.paging import Page
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
    stalled: bool = Field(description="Doing, but its worker is gone: it may be retried or marked failed.")


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


class JobStateError(AdminError):
    """The job is missing (404) or not in a state the action applies to (409)."""


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
    query = (
        select(*_view_columns(times))
        .select_from(_jobs.outerjoin(times, true()))
        .order_by(_jobs.c.id.desc())
        .limit(limit)
    )
    filters = {_jobs.c.status: status, _jobs.c.queue_name: queue, _jobs.c.task_name: task, _jobs.c.id: job_id}
    for where, value in filters.items():
        if value is not None:
            query = query.where(where == value)
    if after is not None:
        query = query.where(_jobs.c.id < after)
    return [JobView.model_validate(row, from_attributes=True) for row in await session.execute(query)]


def _view_columns(times: Any) -> tuple[Any, ...]:
    """A :class:`JobView`'s fields as the query's columns (``finished_at`` unset while the job is todo or doing)."""
    jobs = _jobs.c
    finished_at = case((jobs.status.in_(("todo", "doing")), null()), else_=times.c.finished_at)
    return (
        jobs.id, jobs.queue_name.label("queue"), jobs.task_name.label("task"), jobs.status, jobs.attempts,
        jobs.priority, jobs.lock, func.coalesce(jobs.args, cast({}, JSONB)).label("args"), jobs.scheduled_at,
        times.c.queued_at, times.c.started_at, finished_at.label("finished_at"),
        false().label("stalled"),
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


async def stalled_ids(manager: JobManager, stalled_after_s: float) -> set[int]:
    """The ids of the jobs ``doing`` whose worker sent no heartbeat for ``stalled_after_s`` seconds (or is gone)."""
    stalled = await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after_s)
    return {job.id for job in stalled if job.id is not None}


async def mark_stalled(manager: JobManager, jobs: list[JobView], stalled_after_s: float) -> list[JobView]:
    """``jobs`` with ``stalled`` set."""
    stalled = await stalled_ids(manager, stalled_after_s)
    return [job.model_copy(update={"stalled": job.id in stalled}) for job in jobs]


async def _check_stalled(manager: JobManager, job_id: int, stalled_after_s: float, action: str) -> None:
    if job_id not in await stalled_ids(manager, stalled_after_s):
        raise JobStateError(
            409, f"job {job_id} is doing and its worker is alive: only a stalled job can be {action} while doing"
        )


async def retry(manager: JobManager, job_id: int, stalled_after_s: float) -> None:
    """Queue a failed or stalled job again, to run now (procrastinate counts it as one more attempt)."""
    status = await _status(manager, job_id)
    if status == "doing":
        await _check_stalled(manager, job_id, stalled_after_s, "retried")
    elif status != "failed":
        raise JobStateError(409, f"job {job_id} is {status}: only a failed or stalled job can be retried")
    try:
        await manager.retry_job_by_id_async(job_id, retry_at=utils.utcnow())
    except exceptions.ConnectorException:  # it changed state since: procrastinate refuses
        raise JobStateError(409, f"job {job_id} is no longer {status}: it was not retried") from None


async def mark_failed(manager: JobManager, job_id: int, stalled_after_s: float) -> None:
    """End a stalled job as failed (it shows among the failed jobs, and can be retried from there)."""
    status = await _status(manager, job_id)
    if status != "doing":
        raise JobStateError(409, f"job {job_id} is {status}: only a stalled job (doing) can be marked failed")
    await _check_stalled(manager, job_id, stalled_after_s, "marked failed")
    try:
        await manager.finish_job_by_id_async(job_id, status=Status.FAILED, delete_job=False)
    except exceptions.ConnectorException:
        raise JobStateError(409, f"job {job_id} is no longer doing: it was not marked failed") from None


async def cancel(manager: JobManager, job_id: int) -> None:
    """Cancel a job that has not started (``todo``); a running one is left alone."""
    status = await _status(manager, job_id)
    if status != "todo":
        raise JobStateError(409, f"job {job_id} is {status}: only a job still to do (todo) can be cancelled")
    if not await manager.cancel_job_by_id_async(job_id):
        raise JobStateError(409, f"job {job_id} started meanwhile: only a job still to do (todo) can be cancelled")
