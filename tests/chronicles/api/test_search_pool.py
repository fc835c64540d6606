"""The searches' connections: the search settings from the first statement on, and a dropped connection survived."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from chronicles.api.search_pool import SearchPool
from tests.chronicles.conftest import libpq


async def _settings(conn: psycopg.AsyncConnection[Any]) -> tuple[Any, ...]:
    names = "plan_cache_mode, statement_timeout, jit, max_parallel_workers_per_gather, transaction_isolation"
    cursor = await conn.execute(
        "SELECT current_setting('plan_cache_mode'), current_setting('statement_timeout'), current_setting('jit'),"
        " current_setting('max_parallel_workers_per_gather'), (SELECT count(*) FROM pg_prepared_statements)"
    )
    row = await cursor.fetchone()
    assert row is not None, names
    return (*row, conn.autocommit)


async def test_every_connection_carries_the_search_settings(chronicles_db_url: str) -> None:
    pool = SearchPool(chronicles_db_url, max_size=2, application_name="settings-test")
    try:
        for _ in range(8):  # more than psycopg's prepare threshold: nothing may be prepared on the server
            assert await pool.read(_settings) == ("force_custom_plan", "5s", "off", "0", 0, True)
    finally:
        await pool.close()


async def test_a_connection_the_server_dropped_is_replaced_and_the_read_runs_again(chronicles_db_url: str) -> None:
    name = f"dropped-{uuid.uuid4().hex[:8]}"
    pool = SearchPool(chronicles_db_url, max_size=1, application_name=name)
    try:
        assert await pool.read(_settings)
        with psycopg.connect(libpq(chronicles_db_url), autocommit=True) as admin:
            ended = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s", (name,)
            ).fetchone()
        assert ended == (1,)
        assert await pool.read(_settings) == ("force_custom_plan", "5s", "off", "0", 0, True)
    finally:
        await pool.close()
