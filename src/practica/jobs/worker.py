"""``practica worker``: run procrastinate workers against Practica's database."""

from __future__ import annotations

import structlog
from procrastinate.app import WorkerOptions

from practica.jobs.queue import QUEUES, make_job_app
from practica.settings import PracticaSettings

log = structlog.get_logger(__name__)


async def run_worker(settings: PracticaSettings, concurrency: int, queues: list[str] | None) -> None:
    jobs = make_job_app(settings.resolved_database_url(), pool_size=concurrency + 2)
    log.info("practica.worker.start", concurrency=concurrency, queues=queues or QUEUES, tasks=sorted(jobs.tasks))
    options: WorkerOptions = {
        "concurrency": concurrency,
        "install_signal_handlers": True,
        "queues": queues or QUEUES,
    }
    async with jobs.open_async():
        await jobs.run_worker_async(**options)
