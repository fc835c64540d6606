"""Operations events for the webhook: each minute, the jobs that failed in the minute before; every five
minutes, Chronicles' dead letters when they pile up (:mod:`practica.monitoring.dead_letters`)."""

from __future__ import annotations

from procrastinate import JobContext
from sqlalchemy.ext.asyncio import AsyncEngine

from practica.jobs.queue import jobs
from practica.jobs.resources import worker_resources
from practica.monitoring.dead_letters import REPORT_TASK, DeadLetterFigures, check_dead_letters
from practica.monitoring.notify import OpsMessage, post_ops_message
from practica.monitoring.queries import FailedJob, failed_jobs

WINDOW_S = 60


def failed_jobs_message(failed: list[FailedJob]) -> OpsMessage:
    noun = "job" if len(failed) == 1 else "jobs"
    lines = [
        f"{job.task} (job {job.id}, queue {job.queue}, {job.attempts} attempt{'s' if job.attempts != 1 else ''}) "
        f"at {job.failed_at:%H:%M:%S %Z}"
        for job in failed
    ]
    return OpsMessage(f"{len(failed)} {noun} failed", lines)


async def report_failed_jobs(engine: AsyncEngine, webhook_url: str, start: float, end: float) -> int:
    """Post the jobs that failed in [start, end) to the webhook; how many there were."""
    async with engine.connect() as conn:
        failed = await failed_jobs(conn, start, end)
    if failed:
        await post_ops_message(webhook_url, failed_jobs_message(failed))
    return len(failed)


@jobs.periodic(cron="* * * * *", periodic_id="ops-failed-jobs")
@jobs.task(name="practica.monitoring.report_failed_jobs", pass_context=True)
async def report_failed_jobs_periodic(context: JobContext, timestamp: int) -> None:
    """The minute before this tick: each tick runs once (procrastinate's periodic lock), so no failure is told twice."""
    resources = worker_resources(context)
    url = resources.settings.practica_ops_webhook_url.get_secret_value()
    if url:
        await report_failed_jobs(resources.engine, url, timestamp - WINDOW_S, timestamp)


@jobs.periodic(cron="*/5 * * * *", periodic_id="ops-dead-letters")
@jobs.task(name="practica.monitoring.check_dead_letters", pass_context=True)
async def check_dead_letters_periodic(context: JobContext, timestamp: int) -> None:
    """Every five minutes: Chronicles' dead letters against the last figure noted (one check per tick)."""
    resources = worker_resources(context)
    settings = resources.settings
    if settings.practica_ops_webhook_url.get_secret_value():
        await check_dead_letters(resources.engine, settings.chronicles_url, settings.practica_ops_dead_letters_step)


@jobs.task(name=REPORT_TASK, pass_context=True)
async def report_dead_letters(context: JobContext, pending: int, previous: int, tell: bool) -> None:
    """Post the growth a check found (``tell``); a job that only notes a lower figure posts nothing."""
    url = worker_resources(context).settings.practica_ops_webhook_url.get_secret_value()
    if tell and url:
        await post_ops_message(url, DeadLetterFigures(pending, previous).message())
