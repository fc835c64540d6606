"""Events written in the caller's transaction and relayed to a real Chronicles over HTTP."""

from __future__ import annotations

from pathlib import Path

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from practica.events.outbox import gid, record_event
from practica.events.relay import make_transport, relay_all, relay_once
from practica.jobs.queue import connected, jobs
from practica.jobs.resources import worker_resources_for
from practica.settings import PracticaSettings
from tests.conftest import free_port


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(False)


async def record_check_passed(session: AsyncSession, lesson: str = "py-1") -> None:
    await record_event(
        session,
        subject=gid("Check", 1),
        action="check.passed",
        performer=gid("User", 7),
        payload={"lesson": {"id": lesson}, "tests": {"passed": 3, "total": 3}},
    )


async def count(sessions: async_sessionmaker[AsyncSession], query: str) -> int:
    async with sessions() as session:
        return int(await session.scalar(text(query)) or 0)


async def test_an_event_exists_only_if_its_transaction_commits(practica_db_url: str) -> None:
    engine = create_async_engine(practica_db_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        await record_check_passed(session)
        await session.rollback()
    assert await count(sessions, "SELECT count(*) FROM outbox_events") == 0
    assert await count(sessions, "SELECT count(*) FROM procrastinate_jobs") == 0
    for _ in range(3):
        async with sessions() as session, session.begin():
            await record_check_passed(session)
    assert await count(sessions, "SELECT count(*) FROM outbox_events WHERE sent_at IS NULL") == 3
    assert await count(sessions, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'") == 1
    await engine.dispose()


async def test_the_worker_relays_events_into_chronicles(
    practica_db_url: str, chronicles_db_url: str, chronicles_service: str, tmp_path: Path
) -> None:
    settings = PracticaSettings(database_url=practica_db_url, practica_home=tmp_path, chronicles_url=chronicles_service)
    engine = create_async_engine(practica_db_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        await record_check_passed(session, "py-1")
        await record_check_passed(session, "py-2")
    async with connected(jobs, practica_db_url):
        await jobs.run_worker_async(
            wait=False,
            install_signal_handlers=False,
            additional_context=worker_resources_for(settings, engine).context(),
        )
    assert await count(sessions, "SELECT count(*) FROM outbox_events WHERE sent_at IS NULL") == 0
    with psycopg.connect(libpq(chronicles_db_url)) as conn:
        stored = conn.execute(
            "SELECT app, action, performer, payload->'lesson'->>'id' FROM entries ORDER BY payload->'lesson'->>'id'"
        ).fetchall()
    assert stored == [
        ("practica", "check.passed", "gid://practica/User/7", "py-1"),
        ("practica", "check.passed", "gid://practica/User/7", "py-2"),
    ]
    await engine.dispose()


async def test_events_wait_while_chronicles_is_down(practica_db_url: str, tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    settings = PracticaSettings(database_url=practica_db_url, practica_home=tmp_path, chronicles_url=down)
    engine = create_async_engine(practica_db_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        await record_check_passed(session)
    transport = make_transport(settings)
    assert await relay_once(sessions, transport) == 0
    assert await relay_all(sessions, transport) == 0
    await transport.close()
    async with sessions() as session:
        attempts, error, sent = (
            await session.execute(text("SELECT attempts, last_error, sent_at FROM outbox_events"))
        ).one()
    assert attempts == 2
    assert "unreachable" in error
    assert sent is None
    await engine.dispose()
