"""Each kind of search walks its index (EXPLAIN on a generated, analysed table of 20,000 entries).

The benchmark (``bench/chronicles_search.py --explain``) prints the same plans
at any size; the shapes asserted here are those that do not depend on the
table's size: tag walks with one primary-key probe per row, b-tree walks per
subject or performer, the GIN index for payload containment.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import pytest
from bench.chronicles_search_data import Shape, load
from psycopg import sql

from chronicles.contract.filters import EntryFilter
from chronicles.store.search import SEARCH_SETTINGS, SearchRequest, compile_search
from chronicles.store.search_plan import Driver, Statistics, choose_driver
from chronicles.store.search_sql import ENTRY_COLUMNS
from tests.chronicles.conftest import libpq

ACCESS = ["org:7", "user:57", "public"]
# Entries and taggings are partitioned by month: a walk is a Merge Append of each month's index (partition
# index names are <partition>_<columns>_idx / _pkey), and a lookup probes one month (run-time pruning).
ACCESS_WALK = ["Merge Append", "Index Only Scan Backward using access_taggings_p", "Index Scan using entries_p"]
FEED_WALK = ["Merge Append", "Index Only Scan Backward using feed_taggings_p", "Index Scan using entries_p"]
CASES: dict[str, tuple[dict[str, Any], Driver, list[str]]] = {
    "access only": ({}, Driver.ACCESS_TAG, ACCESS_WALK),
    "feed tag": ({"feedTags": ["lesson:1"], "apps": ["billing"]}, Driver.FEED_TAG, FEED_WALK),
    "feed tags alone": ({"feedTags": ["user:57", "user:107"]}, Driver.FEED_TAG, FEED_WALK),
    "feed tags, all": ({"feedTags": ["lesson:1", "org:7"], "feedTagsMatch": "ALL"}, Driver.FEED_TAG, FEED_WALK),
    "subject": ({"subjects": ["gid://practica/Lesson/3", "gid://practica/Lesson/9"]}, Driver.SUBJECT,
                ["_subject_occurred_at_id_access_tags_idx on entries_p", "Index Scan using entries_p"]),
    "performer": ({"performers": ["gid://practica/User/57"]}, Driver.PERFORMER,
                  ["_performer_occurred_at_id_access_tags_idx"]),
    "rare action": ({"actions": ["org.deleted"]}, Driver.ACTION, ["_action_occurred_at_id_access_tags_idx"]),
    "rare subject type": ({"apps": ["practica"], "subjectTypes": ["Organisation"]}, Driver.APP_TYPE,
                          ["_app_subject_type_occurred_at_id_access_tag"]),
    "payload": ({"payload": [{"operation": "EQ", "path": ["flag", "gid"], "value": "gid://plat/Flag/3"}]},
                Driver.PAYLOAD, ["Bitmap Index Scan on entries_p", "_payload_idx"]),
    "time window": ({"occurredAfter": "2025-06-01T00:00:00Z", "occurredBefore": "2025-06-02T00:00:00Z"},
                    Driver.ACCESS_TAG, ["Index Only Scan Backward using access_taggings_p2025_06_pkey"]),
}  # fmt: skip


EXPLAIN = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) "
# A walk of a key index checks the viewer's access on the index's copy of the tags, before any row is read.
SCREENED_WALK = re.compile(
    r"Index Only Scan using entries_p\w+_access_tags?_idx on entries_p\w+ k\w* \(actual[^\n]*\n"
    r"\s+Index Cond: [^\n]*\n\s+Filter: \(access_tags && "
)
# So does a walk of the feed taggings, on the copy each tagging carries (revision 0009).
SCREENED_FEED_WALK = re.compile(
    r"Index Only Scan Backward using feed_taggings_p\w+_pkey on feed_taggings_p\w+ t\w* \(actual[^\n]*\n"
    r"\s+Index Cond: [^\n]*\n\s+Filter: \(\(access_tags && [^\n]*\n(\s+Rows Removed by Filter: [^\n]*\n)?"
    r"\s+Heap Fetches: 0\n"
)


@pytest.fixture
def bench_db(chronicles_db_url: str) -> str:
    url = libpq(chronicles_db_url)
    with psycopg.connect(url, autocommit=True) as conn:
        load(conn, Shape(20_000), report=lambda _: None)
    return url


async def _larger_than_a_few_pages(conn: psycopg.AsyncConnection[Any]) -> set[str]:
    rows = await conn.execute("SELECT relname FROM pg_class WHERE relname LIKE 'entries%' AND relpages > 4")
    return {name for (name,) in await rows.fetchall()}


async def test_each_kind_of_search_walks_its_index(bench_db: str) -> None:
    await _each_kind_walks_its_index(bench_db, _planned_for_its_values, CASES)


async def test_on_a_generic_plan_each_prepared_search_walks_the_same_index(bench_db: str) -> None:
    """search() prepares every search but a payload one: planned for no value, a rare one must not be read
    as an average one (a walk of the time index over the whole table, say)."""
    prepared = {name: case for name, case in CASES.items() if case[1] is not Driver.PAYLOAD}
    await _each_kind_walks_its_index(bench_db, _generic, prepared)


Explain = Callable[[psycopg.AsyncConnection[Any], sql.Composed, dict[str, object]], Awaitable[str]]


async def _planned_for_its_values(
    conn: psycopg.AsyncConnection[Any], statement: sql.Composed, params: dict[str, object]
) -> str:
    explained = await conn.execute(sql.SQL(EXPLAIN) + statement, params)
    return "\n".join(row[0] for row in await explained.fetchall())


async def _generic(conn: psycopg.AsyncConnection[Any], statement: sql.Composed, params: dict[str, object]) -> str:
    """The plan search() runs: the statement prepared as search() prepares it, then EXPLAIN EXECUTE of it."""
    await conn.execute(statement, params, prepare=True)
    newest = "SELECT name, generic_plans FROM pg_prepared_statements ORDER BY prepare_time DESC LIMIT 1"
    row = await (await conn.execute(newest, prepare=False)).fetchone()
    assert row is not None
    assert row[1] == 1, f"not run on a generic plan: {row}"
    order = dict.fromkeys(re.findall(r"%\((\w+)\)s", statement.as_string(conn)))  # psycopg's $1, $2, …
    values = sql.SQL(", ").join(sql.Literal(params[name]) for name in order)
    explained = await conn.execute(sql.SQL(EXPLAIN + "EXECUTE {}({})").format(sql.Identifier(row[0]), values))
    return "\n".join(line for (line,) in await explained.fetchall())


async def _each_kind_walks_its_index(
    url: str, explain: Explain, cases: dict[str, tuple[dict[str, Any], Driver, list[str]]]
) -> None:
    stats = Statistics()
    async with await psycopg.AsyncConnection.connect(url) as conn:
        await stats.refresh(conn)
        for name, (document, driver, expected) in cases.items():
            entry_filter = EntryFilter.model_validate(document)
            assert choose_driver(entry_filter, ACCESS, stats) is driver, name
            statement, params = compile_search(SearchRequest(entry_filter, ACCESS, 25), driver, stats)
            await conn.execute(SEARCH_SETTINGS)
            plan = await explain(conn, statement, params)
            for shape in expected:
                assert shape in plan, f"{name}: no {shape!r} in\n{plan}"
            if driver in ENTRY_COLUMNS:
                assert SCREENED_WALK.search(plan), f"{name}: access not checked in the index:\n{plan}"
            if driver is Driver.FEED_TAG:
                assert SCREENED_FEED_WALK.search(plan), f"{name}: access not checked in the index:\n{plan}"
            # An empty or nearly empty month may be scanned whole (cheaper than its index), no larger one.
            scanned = set(re.findall(r"Seq Scan on (entries\w*) \w+ \(actual", plan))
            assert not scanned & await _larger_than_a_few_pages(conn), f"{name}:\n{plan}"
            assert "Hash" not in plan, f"{name}:\n{plan}"
            await conn.rollback()
