"""``practica worker``: run procrastinate workers against Practica's database."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Coroutine
from typing import Any

import structlog
from procrastinate.app import WorkerOptions

from practica.jobs.queue import QUEUES, TASK_MODULES, connected, jobs
from practica.jobs.resources import WorkerResources, worker_resources_for
from practica.settings import PracticaSettings
from servicekit.database import make_engine
from servicekit.jobs import run_worker_until_stopped

log = structlog.get_logger(__name__)
# Scheduled jobs (a pool's refill 2 s after a claim) run up to this late: one cheap query a second per worker.
FETCH_POLL_S = 1.0


async def run_worker(
    settings: PracticaSettings,
    concurrency: int,
    queues: list[str] | None,
    alongside: Callable[[WorkerResources], Coroutine[Any, Any, None]] | None = None,
) -> None:
    """Run the jobs of ``queues`` (default: all), and ``alongside(resources)`` as a task while they run."""
    database_url = settings.resolved_database_url()
    for module in TASK_MODULES:  # registers every task before the worker asks for jobs
        importlib.import_module(module)
    engine = make_engine(database_url, pool_size=concurrency + 1, application_name="practica-worker")
    log.info("practica.worker.start", concurrency=concurrency, queues=queues or QUEUES, tasks=sorted(jobs.tasks))
    resources = worker_resources_for(settings, engine)
    options: WorkerOptions = {
        "concurrency": concurrency,
        "queues": queues or QUEUES,
        # Jobs wake the worker through LISTEN/NOTIFY: on insert (procrastinate) and when a job frees its lock
        # for the next (migration 0016). The poll only finds scheduled jobs come due and notifications lost
        # to a dropped connection.
        "listen_notify": True,
        "fetch_job_polling_interval": FETCH_POLL_S,
        "additional_context": resources.context(),
    }
    beside: asyncio.Task[None] | None = None
    if alongside is not None:
        beside = asyncio.create_task(alongside(resources), name="beside-the-worker")
    try:
        async with connected(jobs, database_url, pool_size=concurrency + 2):
            await run_worker_until_stopped(jobs, **options)
    finally:
        if beside is not None:
            beside.cancel()
        await resources.sandbox.close_remote()
        await engine.dispose()
