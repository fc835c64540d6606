"""Failed jobs reach the operations webhook, a real HTTP receiver, in Slack-compatible JSON."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from practica.jobs.queue import jobs
from practica.monitoring.notify import MAX_LINES, OpsMessage, post_ops_message
from practica.monitoring.tasks import report_failed_jobs
from tests.conftest import free_port
from tests.webhook_receiver import Receiver, webhook_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as made:
        yield made


@pytest.fixture
async def engine(practica_db_url: str) -> AsyncIterator[AsyncEngine]:
    made = create_async_engine(practica_db_url)
    yield made
    await made.dispose()


async def fail_a_job(engine: AsyncEngine, task: str, queue: str) -> int:
    """A job taken by a worker and failed for good, through procrastinate's own status triggers."""
    async with engine.begin() as conn:
        job_id = await conn.scalar(
            text(
                "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status) "
                "VALUES (:queue, :task, '{}', 'todo') RETURNING id"
            ),
            {"queue": queue, "task": task},
        )
        await conn.execute(
            text("UPDATE procrastinate_jobs SET status = 'doing', attempts = 1 WHERE id = :id"), {"id": job_id}
        )
        await conn.execute(text("UPDATE procrastinate_jobs SET status = 'failed' WHERE id = :id"), {"id": job_id})
    assert isinstance(job_id, int)
    return job_id


async def test_the_minutes_failed_jobs_are_posted_once(engine: AsyncEngine, receiver: Receiver) -> None:
    job_id = await fail_a_job(engine, "practica.checks.run_check", "checks")
    now = time.time()

    assert await report_failed_jobs(engine, receiver.url, now - 60, now + 1) == 1
    (body,) = receiver.wait_for(1)
    assert body["username"] == "Practica"
    assert body["text"].startswith("*1 job failed*\n• practica.checks.run_check")
    assert f"(job {job_id}, queue checks, 1 attempt)" in body["text"]

    assert await report_failed_jobs(engine, receiver.url, now + 1, now + 61) == 0  # the next minute: told once
    assert len(receiver.wait_for(2, within=0.5)) == 1


async def test_a_minute_without_failures_posts_nothing(engine: AsyncEngine, receiver: Receiver) -> None:
    await fail_a_job(engine, "practica.checks.run_check", "checks")
    now = time.time()
    assert await report_failed_jobs(engine, receiver.url, now - 3600, now - 60) == 0
    assert receiver.wait_for(1, within=0.5) == []


async def test_a_refusing_or_missing_webhook_is_logged_not_raised(receiver: Receiver) -> None:
    receiver.status = 500
    assert await post_ops_message(receiver.url, OpsMessage("x", [])) is False
    assert len(receiver.bodies) == 1
    assert await post_ops_message(f"http://127.0.0.1:{free_port()}/nobody", OpsMessage("x", []), timeout_s=2) is False


def test_a_long_list_is_cut_and_says_how_many_more() -> None:
    lines = [f"job {n}" for n in range(MAX_LINES + 5)]
    text_lines = OpsMessage("25 jobs failed", lines).slack_json()["text"].split("\n")
    assert text_lines[0] == "*25 jobs failed*"
    assert len(text_lines) == 1 + MAX_LINES + 1
    assert text_lines[-1] == "… and 5 more"


def test_the_report_runs_every_minute() -> None:
    periodic = {task.periodic_id: task for task in jobs.periodic_registry.periodic_tasks.values()}
    assert periodic["ops-failed-jobs"].cron == "* * * * *"
    assert periodic["ops-failed-jobs"].task.name == "practica.monitoring.report_failed_jobs"
