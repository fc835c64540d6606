"""A chain of jobs on one lock runs through without waiting for the worker's poll.

The worker polls once an hour here: only a notification can wake it. The
second job of the chain is queued with the first (one transaction, one
lock, as opening a lesson queues the environment's start and its starter
files), so the worker's fetch right after taking the first job finds the
second locked and the worker goes to sleep; the first job's end must wake it.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from practica.jobs.queue import connected, defer_in_transaction, jobs

QUEUE = "tests-chain"
LOCK = "tests-chain-lock"
A_LONG_POLL_S = 3600.0
PATIENCE_S = 60.0  # far below the poll: finishing at all proves the wake-up
EVENTS: list[str] = []
FIRST_HOLDS_LOCK_S = 1.0  # long enough for the worker to try the second job, see it locked and sleep


@jobs.task(name="tests.chain.first", queue=QUEUE)
async def first() -> None:
    EVENTS.append("first started")
    await asyncio.sleep(FIRST_HOLDS_LOCK_S)
    EVENTS.append("first done")


@jobs.task(name="tests.chain.second", queue=QUEUE)
async def second() -> None:
    EVENTS.append("second started")


async def wait_for_second_job(url: str) -> list[str]:
    engine = create_async_engine(url)
    try:
        async with async_sessionmaker(engine)() as session:
            for _ in range(int(PATIENCE_S * 10)):
                status = await session.scalar(
                    text("SELECT status FROM procrastinate_jobs WHERE task_name = 'tests.chain.second'")
                )
                await session.rollback()
                if status == "succeeded":
                    return list(EVENTS)
                await asyncio.sleep(0.1)
        raise AssertionError(f"the second job did not run in {PATIENCE_S} s; the jobs so far: {EVENTS}")
    finally:
        await engine.dispose()


async def test_a_job_that_frees_its_lock_wakes_the_worker_for_the_next(practica_db_url: str) -> None:
    EVENTS.clear()
    engine = create_async_engine(practica_db_url)
    async with async_sessionmaker(engine)() as session, session.begin():
        await defer_in_transaction(session, jobs.tasks["tests.chain.first"], lock=LOCK)
        await defer_in_transaction(session, jobs.tasks["tests.chain.second"], lock=LOCK)
    await engine.dispose()
    async with connected(jobs, practica_db_url):
        worker = asyncio.create_task(
            jobs.run_worker_async(
                queues=[QUEUE],
                concurrency=2,
                fetch_job_polling_interval=A_LONG_POLL_S,
                install_signal_handlers=False,
            )
        )
        try:
            events = await wait_for_second_job(practica_db_url)
        finally:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
    assert events == ["first started", "first done", "second started"]
