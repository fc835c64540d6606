"""The sealer's periodic job (queue ``chronicles``): seal the days that became complete since the last run."""

from __future__ import annotations

from typing import Any

import structlog
from procrastinate import JobContext
from procrastinate.psycopg_connector import PsycopgConnector

from chronicles.integrity.horizon import HorizonUnknownError
from chronicles.integrity.sealing import seal
from chronicles.jobs import QUEUE, jobs

SEAL_TASK = "chronicles.integrity.seal"
DAYS_PER_RUN = 31  # a first run over years of entries continues in the next runs, each job stays short
log = structlog.get_logger(__name__)


@jobs.periodic(cron="*/10 * * * *", periodic_id="chronicles-chain-seal")
@jobs.task(name=SEAL_TASK, queue=QUEUE, pass_context=True)
async def seal_complete_days(context: JobContext, timestamp: int) -> None:
    async with _pool(context).connection() as conn:
        await conn.set_autocommit(True)  # one transaction per sealed day
        try:
            run = await seal(conn, max_days=DAYS_PER_RUN)
        except HorizonUnknownError as error:
            log.warning("chain.seal.horizon_unknown", error=str(error))
            return
        finally:
            await conn.set_autocommit(False)
    if run.days:
        log.info("chain.sealed", days=run.days, entries=run.entries, through=str(run.sealed_through))


def _pool(context: JobContext) -> Any:
    connector = context.app.connector
    assert isinstance(connector, PsycopgConnector)
    return connector.pool
