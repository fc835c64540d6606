"""Every stretch an environment runs is kept (a trigger on its status), whichever code path starts or stops it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine


@pytest.fixture
async def conn(practica_db_url: str) -> AsyncIterator[AsyncConnection]:
    engine = create_async_engine(practica_db_url)
    async with engine.connect() as made:
        yield made
    await engine.dispose()


async def set_status(conn: AsyncConnection, status: str) -> None:
    await conn.execute(text("UPDATE learner_environments SET status = :status WHERE id = 'env-1'"), {"status": status})


async def runs(conn: AsyncConnection) -> list[tuple[str, bool]]:
    rows = await conn.execute(
        text("SELECT owner_key, stopped_at IS NULL FROM environment_runs WHERE environment_id = 'env-1' ORDER BY id")
    )
    return [(owner, is_open) for owner, is_open in rows]


async def test_each_start_opens_a_run_and_each_stop_closes_it(conn: AsyncConnection) -> None:
    await conn.execute(
        text(
            "INSERT INTO learner_environments (id, owner_key, lesson_key, runtime, host, status, spec) "
            "VALUES ('env-1', '42', 'basics/add', 'bwrap', 'local', 'starting', '{}')"
        )
    )
    assert await runs(conn) == []

    await set_status(conn, "running")
    assert await runs(conn) == [("42", True)]
    await set_status(conn, "running")  # the same status again is no new run
    assert await runs(conn) == [("42", True)]

    await set_status(conn, "stopping")
    assert await runs(conn) == [("42", False)]
    await set_status(conn, "stopped")
    assert await runs(conn) == [("42", False)]

    await set_status(conn, "running")
    await set_status(conn, "removed")
    assert await runs(conn) == [("42", False), ("42", False)]
    (hours_ok,) = (await conn.execute(text("SELECT bool_and(stopped_at >= started_at) FROM environment_runs"))).one()
    assert hours_ok
