"""Chronicles' operators' console in a real Chromium, against a real ``chronicles serve`` and its database.

Entries arrive through the real HTTP intake; consumer positions, dead letters
and a failed job are written straight into the database, as a consumer, an
earlier version and the worker leave them (how each is produced is tested in
``tests/chronicles``). Each page is checked with axe-core and photographed at
1400×900 and 390×844 (``test-results/screenshots/console-*.png``).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from playwright.async_api import Page, expect

from chronicles.console.web import STATIC_DIR
from chronicles.settings import ChroniclesSettings
from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshot
from tests.chronicles.conftest import libpq, producer_headers
from tests.chronicles.factories import entry
from tests.chronicles.operating import run_worker
from tests.conftest import free_port, require_tool, running_service

pytestmark = [pytest.mark.browser]

ADMIN_TOKEN = "console-admin-token-for-tests"
WIDE, NARROW = {"width": 1400, "height": 900}, {"width": 390, "height": 844}
TOKEN_KEY = "chronicles-console-token"
LESSON_RULE = {"name": "lesson-feed", "kind": "FEED", "tag": "lesson:{payload.lesson.id}", "match": {}}
CREATE_RULE = """mutation($input: TagRuleInput!) {
  createTagRule(input: $input) { rule { name } errors { field message } } }"""
CREATE_TEMPLATE = """mutation($input: TemplateInput!) {
  createTemplate(input: $input) { template { name } errors { field message } } }"""
TEMPLATE = {
    "name": "passed",
    "app": "practica",
    "subjectType": "Check",
    "action": "check.passed",
    "text": "{performer}",
}
CONSUMERS = """
INSERT INTO consumer_status (consumer_group, topic, partition, committed_offset, high_watermark, lag, updated_at)
VALUES ('chronicles', 'entries', 0, %(done)s, 1500, 1500 - %(done)s, now()),
       ('chronicles', 'entries', 1, %(done)s + 200, 1400, 1200 - %(done)s, now())
ON CONFLICT (consumer_group, topic, partition) DO UPDATE
SET committed_offset = excluded.committed_offset, lag = excluded.lag, updated_at = excluded.updated_at
"""
DEAD_LETTER = (
    'INSERT INTO dead_letters (source, raw, error, field, topic, partition, "offset") VALUES '
    "(%s, %s, %s, %s, %s, %s, %s) RETURNING id"
)
FAILED_JOB = """
WITH job AS (
  INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, attempts)
  VALUES ('chronicles', 'chronicles.backfill_chunk', '{"backfill_id": 99}', 'failed', 1) RETURNING id
)
INSERT INTO procrastinate_events (job_id, type) SELECT id, 'failed' FROM job
"""


@dataclass(frozen=True)
class Chronicles:
    url: str
    database_url: str
    settings: ChroniclesSettings

    def sql(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(libpq(self.database_url)) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def ingest(self, messages: list[dict[str, Any]]) -> None:
        response = httpx.post(f"{self.url}/entries", json=messages, headers=producer_headers(self.settings), timeout=30)
        assert response.status_code == 200, response.text
        assert response.json()["accepted"] == len(messages)

    def internal(self, query: str, **variables: Any) -> dict[str, Any]:
        body = {"query": query, "variables": variables}
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        answer = httpx.post(f"{self.url}/internal/graphql", json=body, headers=headers, timeout=30).json()
        assert "errors" not in answer, answer
        data: dict[str, Any] = answer["data"]
        return data


@pytest.fixture
def chronicles(chronicles_db_url: str, tmp_path: Path) -> Iterator[Chronicles]:
    with serving(chronicles_db_url, tmp_path, ADMIN_TOKEN) as running:
        yield running


@contextmanager
def serving(chronicles_db_url: str, tmp_path: Path, admin_token: str) -> Iterator[Chronicles]:
    require_tool((STATIC_DIR / "index.html").is_file(), "the built console (npm --prefix frontend run build)")
    port = free_port()
    env = {
        "CHRONICLES_DATABASE_URL": chronicles_db_url,
        "PRACTICA_HOME": str(tmp_path),
        "CHRONICLES_ADMIN_TOKEN": admin_token,
        "CHRONICLES_SIGNING_KEY": "",
        "CHRONICLES_PRODUCER_KEY": "",
        "LOG_LEVEL": "WARNING",
    }
    argv = [sys.executable, "-m", "chronicles", "serve", "--port", str(port)]
    with running_service(argv, env, f"http://127.0.0.1:{port}", log=tmp_path / "chronicles.log") as url:
        settings = ChroniclesSettings(chronicles_database_url=chronicles_db_url, practica_home=tmp_path)
        yield Chronicles(url, chronicles_db_url, settings)


async def sign_in(page: Page, chronicles: Chronicles, path: str = "/") -> None:
    await page.goto(f"{chronicles.url}/console{path}")
    await page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()


async def photograph(page: Page, name: str) -> None:
    """Axe-core and a screenshot at 1400×900, then at 390×844."""
    for size, label in ((WIDE, "1400"), (NARROW, "390")):
        await page.set_viewport_size(size)
        await assert_accessible(page, f"the console's {name} page at {label} px")
        await screenshot(page, f"console-{name}-{label}")
    await page.set_viewport_size(WIDE)


async def test_a_wrong_token_is_refused_and_the_token_stays_out_of_urls_and_local_storage(
    page: Page, chronicles: Chronicles
) -> None:
    await page.set_viewport_size(WIDE)
    await page.goto(f"{chronicles.url}/console/")
    await expect(page.get_by_role("heading", name="Chronicles console")).to_be_visible()
    await photograph(page, "sign-in")
    await page.get_by_label("Admin token").fill("not-the-token")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("That admin token was refused.")
    assert await page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") is None

    await page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Ingestion")).to_be_visible()
    assert ADMIN_TOKEN not in page.url
    assert await page.evaluate("localStorage.length") == 0
    assert await page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") == ADMIN_TOKEN
    await page.reload()  # the same tab stays signed in
    await expect(page.get_by_role("heading", name="Ingestion")).to_be_visible()

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_label("Admin token")).to_be_visible()
    assert await page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") is None


async def test_without_an_admin_token_the_console_says_it_is_closed(
    page: Page, chronicles_db_url: str, tmp_path: Path
) -> None:
    with serving(chronicles_db_url, tmp_path, "") as closed:
        await page.goto(f"{closed.url}/console/")
        await page.get_by_label("Admin token").fill("anything")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("alert")).to_contain_text("The console is closed: the internal API is disabled")


async def test_a_token_that_stops_working_signs_the_console_out(page: Page, chronicles: Chronicles) -> None:
    await page.goto(f"{chronicles.url}/console/")
    await page.evaluate(f"sessionStorage.setItem('{TOKEN_KEY}', 'revoked')")
    await page.goto(f"{chronicles.url}/console/jobs")
    await expect(page.get_by_label("Admin token")).to_be_visible()
    await expect(page.get_by_role("alert")).to_contain_text("admin token")


async def test_the_ingestion_charts_draw_entries_per_app_and_live_lag_per_partition(
    page: Page, chronicles: Chronicles
) -> None:
    chronicles.ingest([entry() for _ in range(7)] + [entry(app="forum") for _ in range(4)])
    chronicles.sql(CONSUMERS, {"done": 100})
    await page.set_viewport_size(WIDE)
    await sign_in(page, chronicles)

    figures = page.get_by_label("Ingestion figures")
    await expect(figures.get_by_text("Entries, last hour").locator("xpath=following-sibling::dd")).to_have_text("11")
    await expect(figures.get_by_text("Consumer lag").locator("xpath=following-sibling::dd")).to_have_text("2,500")
    per_app = page.get_by_role("figure", name="Entries per minute by app (last hour)")
    for app in ("practica", "forum"):
        await expect(per_app.locator(f'g.series[data-series="{app}"] polyline')).to_be_attached()
    chart = per_app.get_by_role("img")
    await expect(chart).to_have_attribute(
        "aria-label", re.compile(r"forum: latest \d+, peak 4 /min; practica: latest \d+, peak 7 /min")
    )

    chronicles.sql(CONSUMERS, {"done": 400})  # the consumer moved on: less lag, a rate
    lag = page.get_by_role("figure", name="Consumer lag by partition")
    partition = lag.locator('g.series[data-series="entries[0] · chronicles"] circle')
    described = re.compile(r"entries\[0\] · chronicles: latest 1\.1K, peak 1\.4K messages")
    await expect(lag.get_by_role("img")).to_have_attribute("aria-label", described)  # the next refresh drew it
    assert await partition.count() >= 2
    rate = page.get_by_role("figure", name="Consumed per second by partition")
    await expect(rate.locator('g.series[data-series="entries[0] · chronicles"] circle').first).to_be_attached()
    await expect(page.get_by_role("region", name="Partitions table")).to_contain_text("1,400")
    await photograph(page, "ingestion")


def dead_letters(chronicles: Chronicles) -> dict[str, int]:
    """Three pending letters: one that passes now (kafka), bytes with an escape sequence (kafka), one from HTTP."""
    fixed = json.dumps(entry(subject="gid://practica/Lesson/redriven")).encode()
    rows = {
        "fixed": ("kafka", fixed, "an old bug", None, "entries", 0, 41),
        "binary": ("kafka", b"\xff\xfe\x1b[31m<script>alert(1)</script>", "not JSON", None, "entries", 1, 7),
        "http": ("http", b'{"app": "practica"}', "is required", "subject", None, None, None),
    }
    return {name: chronicles.sql(DEAD_LETTER, row)[0][0] for name, row in rows.items()}


async def test_dead_letters_are_browsed_by_source_redriven_and_discarded_after_a_confirmation(
    page: Page, chronicles: Chronicles
) -> None:
    letters = dead_letters(chronicles)
    await page.set_viewport_size(WIDE)
    await sign_in(page, chronicles, "/dead-letters")
    listed = page.get_by_role("list", name="Dead letters")
    await expect(listed.get_by_role("listitem")).to_have_count(3)
    await page.get_by_label("Source").select_option("kafka")
    await expect(listed.get_by_role("listitem")).to_have_count(2)

    binary = listed.locator(f'[data-letter="{letters["binary"]}"]')
    await binary.get_by_text("Raw bytes").click()
    raw = binary.locator("pre.raw")
    await expect(raw).to_have_text("\\xff\\xfe\\x1b[31m<script>alert(1)</script>")  # text, never markup
    assert await page.locator("script:not([src])").count() == 0
    await photograph(page, "dead-letters")

    await page.get_by_label(f"Dead letter {letters['fixed']}", exact=True).check()
    await page.get_by_role("button", name="Redrive selected (1)").click()
    await expect(page.get_by_role("status")).to_have_text(f"Redriven: {letters['fixed']}.")
    await expect(listed.get_by_role("listitem")).to_have_count(1)  # pending only: the redriven one left the list
    stored = chronicles.sql("SELECT count(*) FROM entries WHERE subject = 'gid://practica/Lesson/redriven'")
    assert stored == [(1,)]

    await page.get_by_label(f"Dead letter {letters['binary']}", exact=True).check()
    await page.get_by_role("button", name="Discard selected (1)").click()
    dialog = page.get_by_role("dialog", name="Discard 1 dead letter?")
    await expect(dialog).to_be_visible()
    await assert_accessible(page, "the discard confirmation")
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_be_hidden()
    assert chronicles.sql("SELECT status FROM dead_letters WHERE id = %s", (letters["binary"],)) == [("pending",)]
    await page.get_by_role("button", name="Discard selected (1)").click()
    await page.get_by_role("dialog").get_by_role("button", name="Discard").click()
    await expect(page.get_by_role("status")).to_have_text(f"Discarded: {letters['binary']}.")

    statuses = dict(chronicles.sql("SELECT id, status FROM dead_letters"))
    assert statuses == {letters["fixed"]: "redriven", letters["binary"]: "discarded", letters["http"]: "pending"}
    await page.get_by_label("Status").select_option("")
    await page.get_by_label("Source").select_option("")
    await expect(listed.get_by_role("listitem")).to_have_count(3)


async def test_dead_letters_are_paged_25_at_a_time(page: Page, chronicles: Chronicles) -> None:
    for number in range(30):
        chronicles.sql(DEAD_LETTER, ("http", f"letter {number}".encode(), "is not JSON", None, None, None, None))
    await sign_in(page, chronicles, "/dead-letters")
    listed = page.get_by_role("list", name="Dead letters").get_by_role("listitem")
    await expect(listed).to_have_count(25)
    await expect(listed.first).to_contain_text("Dead letter 1")
    await page.get_by_role("button", name="Next page").click()
    await expect(listed).to_have_count(5)
    await expect(listed.first).to_contain_text("Dead letter 26")
    await expect(page.get_by_role("button", name="Next page")).to_be_disabled()
    await page.get_by_role("button", name="Previous page").click()
    await expect(listed).to_have_count(25)


async def test_a_rule_change_is_previewed_then_applied_and_its_backfill_and_jobs_are_shown(
    page: Page, chronicles: Chronicles
) -> None:
    lessons = [entry(check_passed=True, payload={"lesson": {"id": f"py-{n % 2}"}}) for n in range(6)]
    chronicles.ingest(lessons + [entry() for _ in range(3)])
    chronicles.internal(CREATE_RULE, input=LESSON_RULE)
    chronicles.internal(CREATE_TEMPLATE, input=TEMPLATE)
    await run_worker(libpq(chronicles.database_url))  # the rule's first backfill: six entries tagged
    chronicles.sql(FAILED_JOB)
    await page.set_viewport_size(WIDE)
    await sign_in(page, chronicles, "/rules")

    await page.get_by_role("button", name="Edit rule lesson-feed").click()
    editor = page.get_by_role("form", name="Edit rule lesson-feed")
    await editor.get_by_label("Tag").fill("course:{payload.lesson.id}")
    await editor.get_by_label("Payload conditions").fill(
        '[{"operation": "EQ", "path": ["lesson", "id"], "value": "py-1"}]'
    )
    apply = editor.get_by_role("button", name="Apply change")
    await expect(apply).to_be_disabled()  # not before a preview
    await editor.get_by_role("button", name="Preview change").click()
    diff = editor.get_by_role("region", name="What the change would re-tag")
    await expect(diff.get_by_role("status")).to_have_text(
        "Of the newest 9 entries (all of them), 3 would gain a tag and 6 would lose a tag."
    )
    await expect(diff.get_by_role("table", name="Would gain (examples)").locator("tbody tr")).to_have_count(3)
    await expect(diff.get_by_role("table", name="Would gain (examples)")).to_contain_text("feed:course:py-1")
    await expect(diff.get_by_role("table", name="Would lose (examples)").locator("tbody tr")).to_have_count(6)
    assert chronicles.sql("SELECT count(*) FROM feed_taggings WHERE tag LIKE 'course:%'") == [(0,)]  # a dry run
    await photograph(page, "rules")

    await apply.click()
    await expect(editor.get_by_role("status")).to_contain_text("lesson-feed is at revision 2; backfill")
    assert chronicles.sql("SELECT tag FROM tag_rules") == [("course:{payload.lesson.id}",)]
    await page.get_by_role("button", name="Edit template passed").click()
    template = page.get_by_role("form", name="Edit template passed")
    await template.get_by_label("Text").fill("{performer} passed {payload.lesson.id}")
    await template.get_by_role("button", name="Save template").click()
    await expect(template.get_by_role("status")).to_have_text("Saved template passed.")
    assert chronicles.sql("SELECT text FROM templates") == [("{performer} passed {payload.lesson.id}",)]

    await page.get_by_role("link", name="Jobs").click()
    statuses = page.get_by_label("Jobs by status")
    todo = chronicles.sql("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'")[0][0]
    assert todo >= 1  # the new backfill's first chunk (and the worker's periodic job, if a minute just began)
    await expect(statuses.locator('[data-status="todo"] dd')).to_have_text(str(todo))
    await expect(statuses.locator('[data-status="failed"] dd')).to_have_text("1")
    await expect(page.get_by_role("region", name="Recent failures table")).to_contain_text('{"backfill_id":99}')
    await photograph(page, "jobs")

    await page.get_by_role("link", name="Backfills").click()
    latest = page.locator("[data-backfill]").first
    await expect(latest).to_contain_text("of rule lesson-feed")
    await expect(latest.get_by_role("progressbar")).to_have_attribute("value", "0")
    await expect(latest).to_contain_text("queued")
    await run_worker(libpq(chronicles.database_url))
    await expect(latest.locator(".badge")).to_have_text("done")  # refreshed live
    await expect(latest.get_by_role("progressbar")).to_have_attribute("value", "1")
    await expect(latest).to_contain_text("tagged 3 · untagged 6")
    await photograph(page, "backfills")
    assert chronicles.sql("SELECT count(*) FROM feed_taggings WHERE tag = 'course:py-1'") == [(3,)]


async def test_a_new_rule_is_previewed_refused_while_wrong_then_created_with_its_backfill(
    page: Page, chronicles: Chronicles
) -> None:
    lessons = [entry(check_passed=True, payload={"lesson": {"id": f"py-{n % 2}"}}) for n in range(4)]
    chronicles.ingest(lessons + [entry() for _ in range(2)])
    chronicles.internal(CREATE_RULE, input=LESSON_RULE)
    await page.set_viewport_size(WIDE)
    await sign_in(page, chronicles, "/rules")

    await page.get_by_role("button", name="New rule").click()
    editor = page.get_by_role("form", name="New rule")
    await editor.get_by_label("Name", exact=True).fill("lesson-feed")
    await editor.get_by_label("Tag", exact=True).fill("course:{payload.lesson.id}")
    await editor.get_by_role("button", name="Preview rule").click()
    await expect(editor.get_by_role("alert")).to_contain_text("a tag rule named 'lesson-feed' already exists")
    create = editor.get_by_role("button", name="Create rule")
    await expect(create).to_be_disabled()

    await editor.get_by_label("Name", exact=True).fill("course-feed")
    await editor.get_by_label("Subject types").fill("Check")
    await editor.get_by_role("button", name="Preview rule").click()
    diff = editor.get_by_role("region", name="What the change would re-tag")
    await expect(diff.get_by_role("status")).to_have_text(
        "Of the newest 6 entries (all of them), 4 would gain a tag and 0 would lose a tag."
    )
    await expect(diff.get_by_role("table", name="Would gain (examples)")).to_contain_text("feed:course:py-0")
    assert chronicles.sql("SELECT count(*) FROM tag_rules WHERE name = 'course-feed'") == [(0,)]  # a dry run
    await photograph(page, "new-rule")

    await editor.get_by_label("Tag", exact=True).fill("course:{payload.lesson.id}:v2")
    await expect(create).to_be_disabled()  # the preview was of another rule
    await editor.get_by_role("button", name="Preview rule").click()
    await expect(create).to_be_enabled()
    await create.click()
    await expect(editor.get_by_role("status")).to_contain_text("Created course-feed; backfill")
    await expect(page.locator('[data-rule="course-feed"]')).to_contain_text("course:{payload.lesson.id}:v2")
    await run_worker(libpq(chronicles.database_url))
    assert chronicles.sql("SELECT count(*) FROM feed_taggings WHERE tag LIKE 'course:py-%:v2'") == [(4,)]
