"""``chronicles worker``: procrastinate on Chronicles' database, queue ``chronicles`` only.

The database may be shared with Practica (one job table); Practica's worker
listens to its own queues and this one to Chronicles', so neither runs the
other's tasks. Tasks use the worker's own pool (``context.app.connector``).
"""

from __future__ import annotations

import importlib

import structlog

from chronicles.jobs import QUEUE, TASK_MODULES, connected, jobs
from chronicles.settings import ChroniclesSettings
from servicekit.jobs import run_worker_until_stopped

log = structlog.get_logger(__name__)


def register_tasks() -> None:
    """Import every task module, so that the worker knows every task (and periodic task) before it starts."""
    for module in TASK_MODULES:
        importlib.import_module(module)


async def run_worker(settings: ChroniclesSettings, concurrency: int) -> None:
    register_tasks()
    log.info("chronicles.worker.start", concurrency=concurrency, queue=QUEUE, tasks=sorted(jobs.tasks))
    async with connected(jobs, settings.resolved_database_url(), pool_size=concurrency + 2):
        await run_worker_until_stopped(jobs, concurrency=concurrency, queues=[QUEUE])
