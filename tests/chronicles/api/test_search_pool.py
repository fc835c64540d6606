"""The searches' connections: the search settings from the first statement on, and a dropped connection survived."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from chronicles.api.search_pool import SearchPool
from chronicles.contract.filters import EntryFilter
from chronicles.store.search import SearchRequest, search
from chronicles.store.search_plan import Driver, Statistics
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
        for _ in range(8):  # more than psycopg's prepare threshold: nothing is prepared unless asked
            assert await pool.read(_settings) == ("force_generic_plan", "5s", "off", "0", 0, True)
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
        assert await pool.read(_settings) == ("force_generic_plan", "5s", "off", "0", 0, True)
    finally:
        await pool.close()


async def _prepared(conn: psycopg.AsyncConnection[Any]) -> list[tuple[Any, ...]]:
    cursor = await conn.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements", prepare=False)
    return await cursor.fetchall()


async def test_a_search_by_key_runs_on_a_generic_plan_and_one_by_payload_is_planned_for_its_values(
    chronicles_db_url: str,
) -> None:
    pool, stats = SearchPool(chronicles_db_url, max_size=1, application_name="plans-test"), Statistics()
    by_subject = SearchRequest(EntryFilter.model_validate({"subjects": ["gid://practica/Lesson/1"]}), ["org:1"], 25)
    flag = {"operation": "EQ", "path": ["flag", "gid"], "value": "gid://plat/Flag/3"}
    by_payload = SearchRequest(EntryFilter.model_validate({"payload": [flag]}), ["org:1"], 25)
    try:
        for _ in range(3):
            assert (await pool.read(lambda conn: search(conn, by_subject, stats))).driver is Driver.SUBJECT
        assert await pool.read(_prepared) == [(3, 0)]  # prepared once, its generic plan run three times
        for _ in range(8):  # past psycopg's prepare threshold
            assert (await pool.read(lambda conn: search(conn, by_payload, stats))).driver is Driver.PAYLOAD
        assert await pool.read(_prepared) == [(3, 0)]
    finally:
        await pool.close()
