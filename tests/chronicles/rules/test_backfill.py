"""Backfills run by the real procrastinate worker against a real PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from psycopg import AsyncConnection

from chronicles.contract.filters import EntryFilter
from chronicles.rules import backfill
from chronicles.rules.progress import get_backfill, list_backfills
from chronicles.rules.service import create_rule, parse_rule, update_rule
from chronicles.store.search import SearchRequest, search
from chronicles.store.search_plan import Driver, Statistics
from tests.chronicles.conftest import libpq
from tests.chronicles.factories import entry
from tests.chronicles.operating import feed_tags, one, run_worker, store

LESSON_RULE = {
    "name": "lesson-feed",
    "kind": "feed",
    "tag": "lesson:{payload.lesson.id}",
    "match": {"actions": ["check.passed", "check.failed"]},
}


def checks(count: int, lesson: str = "py-1", action: str = "check.passed") -> list[dict[str, Any]]:
    return [
        entry(
            check_passed=True,
            action=action,
            payload={"lesson": {"id": lesson}},
            subject=f"gid://practica/Check/{action}-{lesson}-{n}",
        )
        for n in range(count)
    ]


async def create(conn: AsyncConnection, data: dict[str, Any], *, backfill_existing: bool = True) -> int | None:
    async with conn.transaction():
        change = await create_rule(conn, parse_rule(data), backfill_existing=backfill_existing)
    return change.backfill_id


async def change(
    conn: AsyncConnection, name: str, fields: dict[str, Any], *, backfill_existing: bool = True
) -> int | None:
    async with conn.transaction():
        result = await update_rule(conn, name, fields, backfill_existing=backfill_existing)
    return result.backfill_id


async def test_a_new_rule_tags_the_entries_already_stored(
    chronicles_conn: AsyncConnection, chronicles_db_url: str
) -> None:
    await store(chronicles_conn, checks(12) + [entry() for _ in range(5)])
    backfill_id = await create(chronicles_conn, LESSON_RULE)
    assert backfill_id is not None
    queued = await get_backfill(chronicles_conn, backfill_id)
    assert queued is not None
    assert (queued.status, queued.scanned, queued.total_estimate, queued.fraction) == ("queued", 0, 17, 0.0)
    assert set().union(*map(set, (await feed_tags(chronicles_conn)).values())) == set()

    await run_worker(libpq(chronicles_db_url))

    tags = await feed_tags(chronicles_conn)
    assert sorted(subject for subject, found in tags.items() if found == ["lesson:py-1"]) == sorted(
        subject for subject in tags if "/Check/" in subject
    )
    assert sum(1 for found in tags.values() if found) == 12
    done = await get_backfill(chronicles_conn, backfill_id)
    assert done is not None
    assert (done.status, done.scanned, done.tagged, done.untagged, done.fraction) == ("done", 17, 12, 0, 1.0)
    assert done.next_id == done.upper_id
    assert done.finished_at is not None


async def test_progress_is_recorded_per_chunk_and_a_crashed_backfill_resumes_from_next_id(
    chronicles_conn: AsyncConnection, chronicles_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backfill, "CHUNK_SIZE", 10)
    await store(chronicles_conn, checks(35))
    backfill_id = await create(chronicles_conn, LESSON_RULE)
    assert backfill_id is not None

    # One chunk, exactly as the job runs it; then the worker "dies": its queued job is lost.
    assert await backfill.process_chunk(chronicles_conn, backfill_id) is True
    progress = await get_backfill(chronicles_conn, backfill_id)
    assert progress is not None
    assert (progress.status, progress.scanned, progress.tagged, progress.covered_estimate) == ("running", 10, 10, 10)
    assert progress.fraction == pytest.approx(10 / 35)
    await chronicles_conn.execute("DELETE FROM procrastinate_jobs")
    # Entries the first chunk covered lose their tags again: a restart from scratch would put them back.
    first_ids = [progress.start_id + 1, progress.next_id]
    await chronicles_conn.execute("UPDATE entries SET feed_tags = '{}' WHERE id BETWEEN %s AND %s", first_ids)
    await chronicles_conn.execute("DELETE FROM feed_taggings WHERE entry_id BETWEEN %s AND %s", first_ids)

    # What the periodic `resume` job (every minute, in every worker) does:
    assert await backfill.resume_backfills(chronicles_conn) == [backfill_id]
    assert await backfill.resume_backfills(chronicles_conn) == []  # a job is waiting now: no second one
    await run_worker(libpq(chronicles_db_url))

    done = await get_backfill(chronicles_conn, backfill_id)
    assert done is not None
    assert (done.status, done.scanned, done.tagged) == ("done", 35, 35)  # 10 before the crash, 25 after
    untagged = await one(chronicles_conn, "SELECT count(*) FROM entries WHERE feed_tags = '{}'")
    assert untagged == 10  # the chunk done before the crash was not scanned again


async def test_a_changed_rule_removes_the_tags_its_old_version_gave(
    chronicles_conn: AsyncConnection, chronicles_db_url: str
) -> None:
    await create(chronicles_conn, LESSON_RULE)
    await create(
        chronicles_conn,
        {
            "name": "failures",
            "kind": "feed",
            "tag": "lesson:{payload.lesson.id}",
            "match": {
                "actions": ["check.failed"],
                "payload": [{"operation": "EQ", "path": ["lesson", "id"], "value": "py-2"}],
            },
        },
    )
    await store(
        chronicles_conn, checks(2, "py-1") + checks(2, "py-1", "check.failed") + checks(1, "py-2", "check.failed")
    )
    before = await feed_tags(chronicles_conn)
    assert sum(found == ["lesson:py-1"] for found in before.values()) == 4

    # Version 2: passed checks only, and the tag names the check as well.
    backfill_id = await change(
        chronicles_conn,
        "lesson-feed",
        {"tag": "lesson:{payload.lesson.id}:{subject.id}", "match": {"actions": ["check.passed"]}},
    )
    await store(chronicles_conn, checks(1, "py-9"))  # ingested after the change: tagged by version 2 at once
    await run_worker(libpq(chronicles_db_url))

    tags = await feed_tags(chronicles_conn)
    for subject, found in tags.items():
        check_id = subject.rsplit("/", 1)[1]
        if "check.passed" in subject:
            lesson = "py-9" if "py-9" in subject else "py-1"
            assert found == [f"lesson:{lesson}:{check_id}"], subject
        elif "py-2" in subject:
            assert found == ["lesson:py-2"], subject  # the other rule still gives this tag: kept
        else:
            assert found == [], subject
    assert backfill_id is not None
    done = await get_backfill(chronicles_conn, backfill_id)
    assert done is not None
    assert (done.status, done.tagged, done.untagged) == ("done", 2, 4)
    assert await one(chronicles_conn, "SELECT retired FROM tag_rules WHERE name = 'lesson-feed'") == []


async def test_two_changes_before_the_worker_runs_end_with_the_last_versions_tags(
    chronicles_conn: AsyncConnection, chronicles_db_url: str
) -> None:
    await store(chronicles_conn, checks(3, "py-1") + checks(3, "py-1", "check.failed"))
    await create(chronicles_conn, LESSON_RULE)
    await run_worker(libpq(chronicles_db_url))
    second = await change(chronicles_conn, "lesson-feed", {"tag": "v2:{payload.lesson.id}"})
    assert await one(chronicles_conn, "SELECT jsonb_array_length(retired) FROM tag_rules") == 1
    third = await change(
        chronicles_conn, "lesson-feed", {"tag": "v3:{payload.lesson.id}", "match": {"actions": ["check.failed"]}}
    )
    await run_worker(libpq(chronicles_db_url))

    tags = await feed_tags(chronicles_conn)
    assert {subject: found for subject, found in tags.items() if found} == {
        subject: ["v3:py-1"] for subject in tags if "check.failed" in subject
    }
    statuses = {row.id: row.status for row in await list_backfills(chronicles_conn)}
    assert second is not None
    assert third is not None
    assert (statuses[second], statuses[third]) == ("superseded", "done")
    assert await one(chronicles_conn, "SELECT retired FROM tag_rules") == []


async def test_a_change_without_backfill_is_cleaned_up_by_a_later_manual_one(
    chronicles_conn: AsyncConnection, chronicles_db_url: str
) -> None:
    await create(chronicles_conn, LESSON_RULE)
    await store(chronicles_conn, checks(2))
    assert await change(chronicles_conn, "lesson-feed", {"enabled": False}, backfill_existing=False) is None
    await run_worker(libpq(chronicles_db_url))
    assert all(found == ["lesson:py-1"] for found in (await feed_tags(chronicles_conn)).values())

    from chronicles.rules.backfill import start_backfill

    async with chronicles_conn.transaction():
        backfill_id = await start_backfill(chronicles_conn, "lesson-feed")
    await run_worker(libpq(chronicles_db_url))
    assert all(found == [] for found in (await feed_tags(chronicles_conn)).values())
    done = await get_backfill(chronicles_conn, backfill_id)
    assert done is not None
    assert (done.status, done.untagged) == ("done", 2)


async def feed_page(conn: AsyncConnection, tag: str, viewer: list[str]) -> list[str]:
    """The subjects a viewer with these access tags finds in a feed (the service's own search)."""
    request = SearchRequest(EntryFilter.model_validate({"feedTags": [tag]}), viewer, 100)
    page = await search(conn, request, Statistics())
    assert page.driver is Driver.FEED_TAG
    return sorted(row.subject for row in page.rows)


async def test_an_access_rule_changes_who_finds_stored_entries_in_a_feed(
    chronicles_conn: AsyncConnection, chronicles_db_url: str
) -> None:
    await create(chronicles_conn, LESSON_RULE)
    await store(chronicles_conn, checks(3) + checks(2, action="check.failed"))
    passed = sorted(subject for subject in await feed_tags(chronicles_conn) if "check.passed" in subject)
    assert await feed_page(chronicles_conn, "lesson:py-1", ["org:acme"]) == []

    rule = {"name": "acme", "kind": "access", "tag": "org:acme", "match": {"actions": ["check.passed"]}}
    await create(chronicles_conn, rule)
    await run_worker(libpq(chronicles_db_url))
    assert await feed_page(chronicles_conn, "lesson:py-1", ["org:acme"]) == passed

    await change(chronicles_conn, "acme", {"match": {"actions": ["check.failed"]}})
    await run_worker(libpq(chronicles_db_url))
    failed = sorted(subject for subject in await feed_tags(chronicles_conn) if "check.failed" in subject)
    assert await feed_page(chronicles_conn, "lesson:py-1", ["org:acme"]) == failed
    assert await feed_page(chronicles_conn, "lesson:py-1", ["org:other"]) == []

    # A feed rule backfilled onto entries that already carry access tags: the new taggings carry them too.
    await create(chronicles_conn, {"name": "by-action", "kind": "feed", "tag": "did:{action}"})
    await run_worker(libpq(chronicles_db_url))
    assert await feed_page(chronicles_conn, "did:check.failed", ["org:acme"]) == failed
    assert await feed_page(chronicles_conn, "did:check.passed", ["org:acme"]) == []
    assert len(await feed_tags(chronicles_conn)) == 5


def test_the_worker_knows_the_backfill_tasks_and_runs_resume_every_minute() -> None:
    from chronicles.jobs import QUEUE, jobs
    from chronicles.worker import register_tasks

    register_tasks()
    assert jobs.tasks[backfill.CHUNK_TASK].queue == QUEUE
    assert jobs.tasks[backfill.RESUME_TASK].queue == QUEUE
    periodic = {task.periodic_id: task.cron for task in jobs.periodic_registry.periodic_tasks.values()}
    assert periodic["chronicles-backfills-resume"] == "* * * * *"
