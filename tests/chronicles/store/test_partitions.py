"""Monthly partitions of entries and taggings, against the real PostgreSQL: months made ahead, DEFAULT catching
the rest and moved out when its month is made, duplicates, pruned searches, the upkeep job and ``migrate``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import AsyncConnection, sql
from typer.testing import CliRunner

from chronicles.cli import app
from chronicles.contract.filters import EntryFilter
from chronicles.jobs import connected, jobs
from chronicles.retention.tasks import MAINTAIN_TASK
from chronicles.store.partitions import Month, maintain_partitions, partition_statements
from chronicles.store.search import SEARCH_SETTINGS, SearchRequest, compile_search, search
from chronicles.store.search_plan import Driver, Statistics
from chronicles.worker import register_tasks
from tests.chronicles.conftest import libpq
from tests.chronicles.factories import entry
from tests.chronicles.operating import one, run_worker, store

ACCESS = ["public"]
RULES = (
    "INSERT INTO tag_rules (name, kind, tag, match)"
    " VALUES ('news', 'feed', 'news', '{}'), ('all', 'access', 'public', '{}')"
)
TIMES = {
    "past": "1999-03-01T10:00:00+00:00",
    "now": datetime.now(UTC).isoformat(),
    "future": "2090-07-15T23:59:59+00:00",
}


async def partition_of(conn: AsyncConnection, table: str, subject: str) -> str:
    query = sql.SQL("SELECT t.tableoid::regclass::text FROM {} AS t JOIN entries AS e ON e.id = t.entry_id")
    if table == "entries":
        query = sql.SQL("SELECT e.tableoid::regclass::text FROM entries AS e")
    statement = query.format(sql.Identifier(table)) + sql.SQL(" WHERE e.subject = %s")
    result: str = await one(conn, statement, subject)
    return result


async def found(conn: AsyncConnection, **document: Any) -> list[str]:
    request = SearchRequest(EntryFilter.model_validate(document), ACCESS, 25)
    async with conn.transaction():
        await conn.execute(SEARCH_SETTINGS)
        page = await search(conn, request, Statistics())
    return [row.subject for row in page.rows]


async def months(conn: AsyncConnection) -> set[str]:
    rows = await conn.execute("SELECT relname FROM pg_class WHERE relname ~ '^entries_p[0-9]{4}_[0-9]{2}$'")
    return {name.removeprefix("entries_p").replace("_", "-") for (name,) in await rows.fetchall()}


@pytest.fixture
async def tagged(chronicles_conn: AsyncConnection) -> AsyncConnection:
    await chronicles_conn.execute(RULES)
    return chronicles_conn


async def test_entries_years_in_the_past_and_far_in_the_future_are_stored_and_found(tagged: AsyncConnection) -> None:
    await store(tagged, [entry(subject=f"gid://practica/Lesson/{when}", occurred_at=at) for when, at in TIMES.items()])

    assert await partition_of(tagged, "entries", "gid://practica/Lesson/now") == Month.of(datetime.now(UTC)).partition(
        "entries"
    )
    for when in ("past", "future"):
        for table in ("entries", "feed_taggings", "access_taggings"):
            assert await partition_of(tagged, table, f"gid://practica/Lesson/{when}") == f"{table}_default"
    assert await found(tagged) == [f"gid://practica/Lesson/{when}" for when in ("future", "now", "past")]
    assert await found(tagged, feedTags=["news"], occurredBefore="2000-01-01T00:00:00Z") == [
        "gid://practica/Lesson/past"
    ]


async def test_a_month_made_for_rows_in_default_takes_them_with_their_taggings(tagged: AsyncConnection) -> None:
    await store(tagged, [entry(subject=f"gid://practica/Lesson/{when}", occurred_at=at) for when, at in TIMES.items()])
    ids = await (await tagged.execute("SELECT id, subject FROM entries ORDER BY id")).fetchall()

    created = await maintain_partitions(tagged)

    assert {Month(1999, 3), Month(2090, 7)} <= set(created)
    for when, month in (("past", "1999_03"), ("future", "2090_07")):
        for table in ("entries", "feed_taggings", "access_taggings"):
            assert await partition_of(tagged, table, f"gid://practica/Lesson/{when}") == f"{table}_p{month}"
    assert await one(tagged, "SELECT count(*) FROM entries_default") == 0
    assert await (await tagged.execute("SELECT id, subject FROM entries ORDER BY id")).fetchall() == ids
    assert await found(tagged, feedTags=["news"]) == [
        f"gid://practica/Lesson/{when}" for when in ("future", "now", "past")
    ]
    assert await maintain_partitions(tagged) == []


async def test_upkeep_makes_this_month_and_the_next_three_once(chronicles_conn: AsyncConnection) -> None:
    created = await maintain_partitions(chronicles_conn, now=datetime(2031, 11, 20, tzinfo=UTC))

    assert created == [Month(2031, 11), Month(2031, 12), Month(2032, 1), Month(2032, 2)]
    assert {"2031-11", "2031-12", "2032-01", "2032-02"} <= await months(chronicles_conn)
    for table in ("feed_taggings", "access_taggings"):
        assert await one(chronicles_conn, "SELECT to_regclass(%s)::text", f"{table}_p2032_02") == f"{table}_p2032_02"
    for table in ("entries", "feed_taggings", "access_taggings"):  # vacuumed after 1 % more rows, not 20 %
        options = await one(chronicles_conn, "SELECT reloptions FROM pg_class WHERE relname = %s", f"{table}_p2031_12")
        assert options == ["autovacuum_vacuum_insert_scale_factor=0.01"]
    assert await maintain_partitions(chronicles_conn, now=datetime(2031, 11, 20, tzinfo=UTC)) == []


async def test_the_same_message_sent_again_is_stored_once(tagged: AsyncConnection) -> None:
    message = entry(occurred_at="2026-03-04T05:06:07+00:00")

    await store(tagged, [message])
    await store(tagged, [message])

    assert await one(tagged, "SELECT count(*) FROM entries") == 1
    assert await one(tagged, "SELECT count(*) FROM feed_taggings") == 1


async def test_a_lookup_reads_one_month_of_many(tagged: AsyncConnection) -> None:
    for month in range(1, 13):
        for statement in partition_statements(Month(2025, month)):
            await tagged.execute(statement)
    subject = "gid://practica/Lesson/1"
    await store(
        tagged, [entry(subject=subject, occurred_at=f"2025-{month:02d}-10T00:00:00+00:00") for month in range(1, 13)]
    )
    await tagged.execute("ANALYZE entries")
    request = SearchRequest(EntryFilter.model_validate({"subjects": [subject]}), ACCESS, 3)
    statement, params = compile_search(request, Driver.SUBJECT)

    explained = await tagged.execute(
        sql.SQL("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ") + statement, params
    )
    plan = "\n".join(row[0] for row in await explained.fetchall())

    probes = [line for line in plan.splitlines() if " on entries_p2025_" in line and " e_" in line]
    assert len(probes) >= 12, plan
    assert sum("never executed" not in line for line in probes) <= 4, plan  # the 3 + 1 rows' months, no others


async def test_the_worker_runs_the_upkeep(chronicles_db_url: str, tagged: AsyncConnection) -> None:
    await store(tagged, [entry(occurred_at=TIMES["past"])])
    register_tasks()

    async with connected(jobs, chronicles_db_url):
        await jobs.configure_task(MAINTAIN_TASK).defer_async(timestamp=0)
    await run_worker(chronicles_db_url)

    assert "1999-03" in await months(tagged)
    assert await one(tagged, "SELECT count(*) FROM entries_p1999_03") == 1


def test_migrate_makes_the_months_waiting_in_default(
    chronicles_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with psycopg.connect(libpq(chronicles_db_url), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO entries (sequence_code, app, subject, subject_type, action, payload, occurred_at)"
            " VALUES (gen_random_uuid(), 'practica', 's', 'Lesson', 'a.b', '{}', '1987-05-06T00:00:00Z')"
        )
    monkeypatch.setenv("CHRONICLES_DATABASE_URL", chronicles_db_url)
    monkeypatch.setenv("PRACTICA_HOME", str(tmp_path))

    result = CliRunner().invoke(app, ["migrate"])

    assert result.exit_code == 0, result.output
    assert "1987-05" in result.output
    with psycopg.connect(libpq(chronicles_db_url)) as conn:
        assert conn.execute("SELECT count(*) FROM entries_p1987_05").fetchone() == (1,)
