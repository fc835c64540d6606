"""``POST /internal/graphql``: what the operators' console adds (entries per minute, dead letters by source,
the job queue, a rule change's dry run), and ``GET /console/`` with its own policy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg import AsyncConnection

from chronicles.console.web import STATIC_DIR
from tests.chronicles.api.test_internal import BACKFILLS, CREATE_RULE
from tests.chronicles.api.test_internal_ops import DEAD_LETTERS, dead_letter, nodes
from tests.chronicles.conftest import libpq
from tests.chronicles.factories import entry
from tests.chronicles.operating import Admin, admin_client, feed_tags, one, run_worker, store
from tests.conftest import require_tool

PER_MINUTE = "query($minutes: Int!) { entriesPerMinute(minutes: $minutes) { minute app entries } }"
JOB_QUEUE = "{ jobQueue { counts { status count } recentFailures { id task args attempts failedAt } } }"
BY_SOURCE = """query($source: String) {
  deadLetters(status: null, source: $source) { edges { node { id source } } } }"""
DRY_RUN = """query($name: String!, $input: TagRulePatch!, $scan: Int! = 10000) {
  tagRuleDryRun(name: $name, input: $input, scan: $scan) {
    scanned coversAll gained lost
    gainedExamples { entryId subject action tags } lostExamples { entryId subject action tags } } }"""
NEW_RULE_DRY_RUN = """query($input: TagRuleInput!, $scan: Int! = 10000) {
  newTagRuleDryRun(input: $input, scan: $scan) {
    scanned coversAll gained lost gainedExamples { entryId subject action tags } lostExamples { entryId } } }"""
UPDATE_RULE = """mutation($name: String!, $input: TagRulePatch!) {
  updateTagRule(name: $name, input: $input) { backfill { id } errors { field message } } }"""
LESSON_RULE = {"name": "lesson-feed", "kind": "FEED", "tag": "lesson:{payload.lesson.id}", "match": {}}
FAILED_JOB = """
WITH job AS (
  INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, attempts)
  VALUES ('chronicles', 'chronicles.rules.tasks.run_backfill', '{"backfill_id": 41}', 'failed', 3) RETURNING id
)
INSERT INTO procrastinate_events (job_id, type) SELECT id, 'failed' FROM job RETURNING job_id
"""


@pytest.fixture
def admin(chronicles_db_url: str, tmp_path: Path) -> Iterator[Admin]:
    with admin_client(chronicles_db_url, tmp_path) as client:
        yield client


async def test_entries_per_minute_counts_each_app(admin: Admin, chronicles_conn: AsyncConnection) -> None:
    await store(chronicles_conn, [entry() for _ in range(3)] + [entry(app="billing") for _ in range(2)])
    minutes = admin(PER_MINUTE, minutes=5)["entriesPerMinute"]
    totals: dict[str, int] = {}
    for minute in minutes:
        totals[minute["app"]] = totals.get(minute["app"], 0) + minute["entries"]
    assert totals == {"practica": 3, "billing": 2}


def test_entries_per_minute_refuses_a_window_past_three_hours(admin: Admin) -> None:
    [error] = admin.errors(PER_MINUTE, minutes=181)
    assert "minutes" in error["message"]


async def test_dead_letters_filtered_by_source(admin: Admin, chronicles_conn: AsyncConnection) -> None:
    from_http = await dead_letter(chronicles_conn, b"{}")
    from_kafka = await dead_letter(chronicles_conn, b"[", topic="t", partition=0, offset=3)
    listed = admin(BY_SOURCE, source="kafka")["deadLetters"]["edges"]
    assert [edge["node"] for edge in listed] == [{"id": str(from_kafka), "source": "kafka"}]
    everyone = admin(BY_SOURCE, source=None)["deadLetters"]["edges"]
    assert [edge["node"]["id"] for edge in everyone] == [str(from_http), str(from_kafka)]
    assert [letter["id"] for letter in nodes(admin(DEAD_LETTERS))] == [str(from_http), str(from_kafka)]


async def test_the_job_queue_counts_by_status_and_lists_failures(
    admin: Admin, chronicles_conn: AsyncConnection
) -> None:
    await store(chronicles_conn, [entry()])
    admin(CREATE_RULE, input=LESSON_RULE)  # queues a backfill job over the stored entry
    failed = await one(chronicles_conn, FAILED_JOB)
    queue = admin(JOB_QUEUE)["jobQueue"]
    assert {count["status"]: count["count"] for count in queue["counts"]} == {"todo": 1, "failed": 1}
    [failure] = queue["recentFailures"]
    assert failure["id"] == failed
    assert (failure["task"], failure["args"], failure["attempts"]) == (
        "chronicles.rules.tasks.run_backfill",
        {"backfill_id": 41},
        3,
    )
    assert failure["failedAt"] is not None


async def test_a_dry_run_counts_what_the_backfill_then_changes(
    admin: Admin, chronicles_conn: AsyncConnection, chronicles_db_url: str
) -> None:
    await store(
        chronicles_conn, [entry(check_passed=True, payload={"lesson": {"id": f"py-{n % 2}"}}) for n in range(6)]
    )
    await store(chronicles_conn, [entry() for _ in range(3)])
    admin(CREATE_RULE, input=LESSON_RULE)
    await run_worker(libpq(chronicles_db_url))
    before = await feed_tags(chronicles_conn)
    change = {
        "tag": "course:{payload.lesson.id}",
        "match": {"payload": [{"operation": "EQ", "path": ["lesson", "id"], "value": "py-1"}]},
    }

    diff = admin(DRY_RUN, name="lesson-feed", input=change)["tagRuleDryRun"]

    assert (diff["scanned"], diff["coversAll"], diff["gained"], diff["lost"]) == (9, True, 3, 6)
    assert {tuple(example["tags"]) for example in diff["gainedExamples"]} == {("feed:course:py-1",)}
    assert {tuple(example["tags"]) for example in diff["lostExamples"]} == {
        ("feed:lesson:py-0",),
        ("feed:lesson:py-1",),
    }
    assert await feed_tags(chronicles_conn) == before  # nothing written
    assert admin(UPDATE_RULE, name="lesson-feed", input=change)["updateTagRule"]["errors"] == []
    await run_worker(libpq(chronicles_db_url))
    latest = admin(BACKFILLS)["backfills"][0]
    assert (latest["tagged"], latest["untagged"]) == (diff["gained"], diff["lost"])


async def test_a_dry_run_over_a_window_says_it_does_not_cover_everything(
    admin: Admin, chronicles_conn: AsyncConnection
) -> None:
    await store(chronicles_conn, [entry(check_passed=True) for _ in range(5)])
    admin(CREATE_RULE, input={**LESSON_RULE, "match": {"actions": ["none.yet"]}})
    diff = admin(DRY_RUN, name="lesson-feed", input={"match": {}}, scan=2)["tagRuleDryRun"]
    assert (diff["scanned"], diff["coversAll"], diff["gained"], diff["lost"]) == (2, False, 2, 0)


def test_a_dry_run_names_the_field_at_fault(admin: Admin) -> None:
    admin(CREATE_RULE, input=LESSON_RULE)
    [bad_tag] = admin.errors(DRY_RUN, name="lesson-feed", input={"tag": "x:{nope}"})
    assert "tag" in bad_tag["message"]
    [no_rule] = admin.errors(DRY_RUN, name="missing", input={})
    assert "no tag rule is named 'missing'" in no_rule["message"]
    [scan] = admin.errors(DRY_RUN, name="lesson-feed", input={}, scan=0)
    assert "scan" in scan["message"]


async def test_a_new_rules_dry_run_counts_what_its_backfill_then_tags(
    admin: Admin, chronicles_conn: AsyncConnection, chronicles_db_url: str
) -> None:
    await store(
        chronicles_conn, [entry(check_passed=True, payload={"lesson": {"id": f"py-{n % 3}"}}) for n in range(6)]
    )
    await store(chronicles_conn, [entry() for _ in range(2)])
    admin(CREATE_RULE, input=LESSON_RULE)
    await run_worker(libpq(chronicles_db_url))
    before = await feed_tags(chronicles_conn)
    course_rule = {
        "name": "course-feed",
        "kind": "FEED",
        "tag": "course:{payload.lesson.id}",
        "match": {"payload": [{"operation": "IN", "path": ["lesson", "id"], "value": ["py-0", "py-2"]}]},
    }
    also_lessons = {**course_rule, "name": "lessons-again", "tag": "lesson:{payload.lesson.id}", "match": {}}

    diff = admin(NEW_RULE_DRY_RUN, input=course_rule)["newTagRuleDryRun"]
    same_tags = admin(NEW_RULE_DRY_RUN, input=also_lessons)["newTagRuleDryRun"]

    assert (diff["scanned"], diff["coversAll"], diff["gained"], diff["lost"]) == (8, True, 4, 0)
    assert {tuple(example["tags"]) for example in diff["gainedExamples"]} == {
        ("feed:course:py-0",),
        ("feed:course:py-2",),
    }
    assert (same_tags["gained"], same_tags["lost"]) == (0, 0)  # what another rule gives already is no gain
    assert await feed_tags(chronicles_conn) == before  # nothing written
    assert admin(CREATE_RULE, input=course_rule)["createTagRule"]["errors"] == []
    await run_worker(libpq(chronicles_db_url))
    latest = admin(BACKFILLS)["backfills"][0]
    assert (latest["rule"], latest["tagged"], latest["untagged"]) == ("course-feed", diff["gained"], 0)


def test_a_new_rules_dry_run_names_the_field_at_fault(admin: Admin) -> None:
    admin(CREATE_RULE, input=LESSON_RULE)
    [taken] = admin.errors(NEW_RULE_DRY_RUN, input=LESSON_RULE)
    assert "a tag rule named 'lesson-feed' already exists" in taken["message"]
    [bad_tag] = admin.errors(NEW_RULE_DRY_RUN, input={**LESSON_RULE, "name": "other", "tag": "x:{nope}"})
    assert "tag" in bad_tag["message"]
    [scan] = admin.errors(NEW_RULE_DRY_RUN, input={**LESSON_RULE, "name": "other"}, scan=100_001)
    assert "scan" in scan["message"]


def test_the_console_page_has_its_own_policy_and_the_framing_headers(admin: Admin) -> None:
    require_tool((STATIC_DIR / "index.html").is_file(), "the built console (npm --prefix frontend run build)")
    page = admin.client.get("/console/dead-letters")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "style-src 'self';" in policy
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert (page.headers["x-frame-options"], page.headers["x-content-type-options"]) == ("DENY", "nosniff")
    assert admin.client.get("/console/assets/nothing-here.js").status_code == 404
    redirect = admin.client.get("/console", follow_redirects=False)
    assert (redirect.status_code, redirect.headers["location"]) == (308, "/console/")
