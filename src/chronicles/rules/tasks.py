"""The backfill jobs (queue ``chronicles``): one chunk of a backfill, and the periodic resume.

The work itself is :mod:`chronicles.rules.backfill`; a job only takes a
connection from the worker's pool, runs it and records a failure beside the
backfill's progress. Jobs are queued by name (:func:`~chronicles.rules.backfill.defer_chunk`).
"""

from __future__ import annotations

from typing import Any

import structlog
from procrastinate import JobContext, RetryStrategy
from procrastinate.psycopg_connector import PsycopgConnector
from psycopg import OperationalError

from chronicles.jobs import QUEUE, jobs
from chronicles.rules.backfill import CHUNK_TASK, RESUME_TASK, process_chunk, record_failure, resume_backfills

MAX_ATTEMPTS = 3
log = structlog.get_logger(__name__)


@jobs.task(
    name=CHUNK_TASK,
    queue=QUEUE,
    pass_context=True,
    retry=RetryStrategy(max_attempts=MAX_ATTEMPTS, wait=5, retry_exceptions={OperationalError}),
)
async def backfill_chunk(context: JobContext, backfill_id: int, chunk_size: int | None = None) -> None:
    async with _pool(context).connection() as conn:
        try:
            await process_chunk(conn, backfill_id, chunk_size)
        except Exception as error:
            final = not isinstance(error, OperationalError) or context.job.attempts + 1 >= MAX_ATTEMPTS
            await record_failure(conn, backfill_id, error, final)
            raise


@jobs.periodic(cron="* * * * *", periodic_id="chronicles-backfills-resume")
@jobs.task(name=RESUME_TASK, queue=QUEUE, pass_context=True)
async def resume(context: JobContext, timestamp: int) -> None:
    async with _pool(context).connection() as conn:
        resumed = await resume_backfills(conn)
    if resumed:
        log.info("backfills.resumed", backfills=resumed)


def _pool(context: JobContext) -> Any:
    """The worker's own connection pool (the job app is bound to the Chronicles database)."""
    connector = context.app.connector
    assert isinstance(connector, PsycopgConnector)
    return connector.pool
