"""The sealer (idempotent, resumable, one sealer at a time), its horizon, retention's forgetting, and its job."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg import AsyncConnection, sql
from sqlalchemy.engine import make_url

from chronicles.integrity.horizon import SEAL_MARGIN, HorizonUnknownError, sealing_horizon
from chronicles.integrity.sealing import forget_seals, seal
from chronicles.integrity.tasks import SEAL_TASK
from chronicles.integrity.verify import prepare
from chronicles.jobs import TASK_MODULES, connected, jobs
from chronicles.worker import register_tasks
from tests.chronicles.conftest import libpq
from tests.chronicles.integrity.chain_data import APPS, DAYS, PER_APP_AND_DAY, at, fill, of, put
from tests.chronicles.operating import run_worker

SEALS = "SELECT app, day, entries, first_id, last_id, previous_head, head, sealed_at FROM chain_seals ORDER BY app, day"


async def findings(conn: AsyncConnection, app: str | None = None) -> dict[str, Any]:
    verification = await prepare(conn, app, None, None)
    assert verification is not None
    return {report.app: report.finding for report in await verification.run()}


async def test_sealing_is_resumable_day_by_day_and_idempotent(db: Any, chronicles_conn: AsyncConnection) -> None:
    fill(db)
    first = await seal(chronicles_conn, max_days=1)
    assert (first.days, first.entries, first.sealed_through) == (1, len(APPS) * PER_APP_AND_DAY, DAYS[0])
    assert [row[:3] for row in db.execute(SEALS).fetchall()] == [(app, DAYS[0], PER_APP_AND_DAY) for app in APPS]
    rest = await seal(chronicles_conn)
    assert rest.entries == 2 * len(APPS) * PER_APP_AND_DAY
    assert rest.sealed_through == datetime.now(UTC).date() - timedelta(days=1)
    before = db.execute(SEALS).fetchall()
    again = await seal(chronicles_conn)
    assert (again.days, again.entries) == (0, 0)
    assert db.execute(SEALS).fetchall() == before
    assert await findings(chronicles_conn) == {app: None for app in APPS}


async def test_each_day_chains_to_the_previous_sealed_day_of_its_app(db: Any, chronicles_conn: AsyncConnection) -> None:
    fill(db)
    await seal(chronicles_conn)
    for app in APPS:
        rows = db.execute("SELECT previous_head, head FROM chain_seals WHERE app = %s ORDER BY day", (app,)).fetchall()
        assert [previous for previous, _ in rows[1:]] == [head for _, head in rows[:-1]]


async def test_two_sealers_at_once_seal_each_day_once(db: Any, chronicles_db_url: str) -> None:
    fill(db)
    conns = [await AsyncConnection.connect(libpq(chronicles_db_url), autocommit=True) for _ in range(2)]
    try:
        runs = await asyncio.gather(*(seal(conn) for conn in conns))
    finally:
        for conn in conns:
            await conn.close()
    assert sum(run.entries for run in runs) == len(DAYS) * len(APPS) * PER_APP_AND_DAY
    assert db.execute("SELECT count(*) FROM chain_seals").fetchone()[0] == len(DAYS) * len(APPS)


async def test_a_day_is_sealed_only_once_no_transaction_that_began_in_it_is_running(
    chronicles_db_url: str, chronicles_conn: AsyncConnection
) -> None:
    quiet = await sealing_horizon(chronicles_conn)
    now = await (await chronicles_conn.execute("SELECT now()")).fetchone()
    assert now is not None
    assert abs(quiet.moment - (now[0] - SEAL_MARGIN)) < timedelta(minutes=1)
    with psycopg.connect(libpq(chronicles_db_url)) as open_transaction:
        started = open_transaction.execute("SELECT now()").fetchone()
        assert started is not None
        open_transaction.execute(
            "INSERT INTO entries (sequence_code, app, subject, subject_type, action, payload, occurred_at) "
            "VALUES (gen_random_uuid(), 'forum', 'gid://forum/Post/1', 'Post', 'post.created', '{}', now())"
        )
        held = await sealing_horizon(chronicles_conn, margin=timedelta(0))
        assert held.moment == started[0]  # its entry, recorded at started, commits later: not before the horizon
        open_transaction.rollback()


async def test_retention_forgets_old_seals_and_verify_starts_from_the_oldest_remaining_day(
    db: Any, chronicles_conn: AsyncConnection
) -> None:
    stored = fill(db)
    await seal(chronicles_conn)
    db.execute("DELETE FROM entries WHERE app = 'forum' AND recorded_at < %s", (at(DAYS[1], 0),))
    assert await forget_seals(chronicles_conn, "forum", DAYS[1]) == 1
    assert await findings(chronicles_conn) == {"forum": None, "practica": None}
    db.execute("DELETE FROM entries WHERE app = 'forum' AND recorded_at < %s", (at(DAYS[2], 0),))
    db.execute("DELETE FROM chain_seals WHERE app = 'forum' AND day = %s", (DAYS[1],))  # not through retention
    broken = (await findings(chronicles_conn, "forum"))["forum"]
    assert (broken.kind, broken.day) == ("chain", DAYS[2])
    assert of(stored, "forum", DAYS[2])


async def test_entries_retention_dropped_by_occurred_at_are_not_missing_but_others_are(
    db: Any, chronicles_conn: AsyncConnection
) -> None:
    fill(db)
    old = put(db, "forum", at(DAYS[2], 22), occurred=at(DAYS[0], 9))  # arrived late: occurred two days earlier
    kept = put(db, "forum", at(DAYS[2], 23), occurred=at(DAYS[2], 9))
    await seal(chronicles_conn)
    db.execute("DELETE FROM entries WHERE app = 'forum' AND occurred_at < %s", (at(DAYS[1], 0),))  # a partition
    await forget_seals(chronicles_conn, "forum", DAYS[1])
    assert await findings(chronicles_conn, "forum") == {"forum": None}
    db.execute("DELETE FROM entries WHERE id = %s", (kept.id,))
    missing = (await findings(chronicles_conn, "forum"))["forum"]
    assert (missing.kind, missing.entry_id, missing.day) == ("missing", kept.id, DAYS[2])
    assert old.id < kept.id


async def test_the_sealer_runs_as_the_workers_job(db: Any, chronicles_db_url: str) -> None:
    assert "chronicles.integrity.tasks" in TASK_MODULES
    fill(db)
    register_tasks()
    periodic = {task.periodic_id: task.cron for task in jobs.periodic_registry.periodic_tasks.values()}
    assert periodic["chronicles-chain-seal"] == "*/10 * * * *"
    async with connected(jobs, libpq(chronicles_db_url)):
        await jobs.tasks[SEAL_TASK].defer_async(timestamp=0)
    await run_worker(libpq(chronicles_db_url))
    assert db.execute("SELECT count(*), sum(entries) FROM chain_seals").fetchone() == (
        len(DAYS) * len(APPS),
        len(DAYS) * len(APPS) * PER_APP_AND_DAY,
    )
    assert db.execute("SELECT status FROM procrastinate_jobs WHERE task_name = %s", (SEAL_TASK,)).fetchone() == (
        "succeeded",
    )


async def test_a_sealer_that_cannot_see_every_session_seals_nothing_and_says_why(
    db: Any, chronicles_db_url: str
) -> None:
    fill(db)
    role = f"chain_sealer_{uuid.uuid4().hex[:12]}"
    db.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    try:
        db.execute(sql.SQL("GRANT SELECT ON entries TO {}").format(sql.Identifier(role)))
        db.execute(sql.SQL("GRANT ALL ON chain_seals, chain_sealing, chain_anchors TO {}").format(sql.Identifier(role)))
        url = make_url(libpq(chronicles_db_url)).set(username=role, password=None).render_as_string(False)
        async with await AsyncConnection.connect(url, autocommit=True) as sealer:
            with pytest.raises(HorizonUnknownError, match="grant it pg_read_all_stats"):
                await seal(sealer)  # the test's own superuser session is open beside it
            assert db.execute("SELECT count(*) FROM chain_seals").fetchone() == (0,)
            db.execute(sql.SQL("GRANT pg_read_all_stats TO {}").format(sql.Identifier(role)))
            assert (await seal(sealer)).entries == len(DAYS) * len(APPS) * PER_APP_AND_DAY
    finally:
        db.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        db.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
