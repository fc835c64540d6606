"""Jobs deferred inside the caller's transaction, run by a real worker."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from practica.jobs.queue import connected, defer_in_transaction, jobs

RAN: list[str] = []


@jobs.task(name="tests.remember")
async def remember(word: str) -> None:
    RAN.append(word)


async def queued_words(session: AsyncSession) -> list[str]:
    rows = await session.execute(text("SELECT args->>'word' FROM procrastinate_jobs ORDER BY id"))
    return [row[0] for row in rows]


async def test_a_rolled_back_transaction_queues_no_job_and_a_committed_one_does(practica_db_url: str) -> None:
    engine = create_async_engine(practica_db_url)
    sessions = async_sessionmaker(engine)
    task = jobs.tasks["tests.remember"]
    async with sessions() as session, session.begin():
        await defer_in_transaction(session, task, word="rolled-back")
        assert await queued_words(session) == ["rolled-back"]  # visible inside the transaction
        await session.rollback()
    async with sessions() as session, session.begin():
        await defer_in_transaction(session, task, word="committed")
    async with sessions() as session:
        assert await queued_words(session) == ["committed"]
    await engine.dispose()


async def test_the_worker_runs_a_deferred_job(practica_db_url: str) -> None:
    RAN.clear()
    engine = create_async_engine(practica_db_url)
    async with async_sessionmaker(engine)() as session, session.begin():
        await defer_in_transaction(session, jobs.tasks["tests.remember"], word="hello")
    async with connected(jobs, practica_db_url):
        await jobs.run_worker_async(wait=False, install_signal_handlers=False)
    assert RAN == ["hello"]
    async with async_sessionmaker(engine)() as session:
        # By its task: the worker also defers its periodic tasks (the cull, the relay) as it starts.
        status = await session.scalar(text("SELECT status FROM procrastinate_jobs WHERE task_name = 'tests.remember'"))
    assert status == "succeeded"
    await engine.dispose()
