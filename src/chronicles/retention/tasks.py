"""The periodic partition upkeep (queue ``chronicles``): next months' partitions exist before their entries.

Hourly, so that a worker started at any time makes the coming month's
partitions long before it begins, and rows that waited in a DEFAULT partition
move into a month of their own soon after (see :mod:`chronicles.store.partitions`).
"""

from __future__ import annotations

from procrastinate import JobContext
from procrastinate.psycopg_connector import PsycopgConnector

from chronicles.jobs import QUEUE, jobs
from chronicles.store.partitions import maintain_partitions

MAINTAIN_TASK = "chronicles.partitions.maintain"


@jobs.periodic(cron="7 * * * *", periodic_id="chronicles-partitions-maintain")
@jobs.task(name=MAINTAIN_TASK, queue=QUEUE, pass_context=True)
async def maintain(context: JobContext, timestamp: int) -> list[str]:
    connector = context.app.connector
    assert isinstance(connector, PsycopgConnector)
    async with connector.pool.connection() as conn:
        created = await maintain_partitions(conn)
    return [month.label for month in created]
