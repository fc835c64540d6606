"""``POST /internal/graphql``: auth, tag rules, templates and backfills, on the real app and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from psycopg import AsyncConnection

from tests.chronicles.conftest import libpq
from tests.chronicles.factories import entry
from tests.chronicles.operating import Admin, admin_client, feed_tags, run_worker, store

RULE_FIELDS = """name kind tag enabled revision retiredVersions
  match { apps subjectTypes actions payload { operation path value } }"""
CREATE_RULE = f"""
mutation($input: TagRuleInput!, $backfill: Boolean! = true) {{
  createTagRule(input: $input, backfill: $backfill) {{
    rule {{ {RULE_FIELDS} }}
    backfill {{ id rule status scanned tagged untagged progress totalEstimate nextId upperId }}
    errors {{ field message }}
  }}
}}"""
UPDATE_RULE = f"""
mutation($name: String!, $input: TagRulePatch!) {{
  updateTagRule(name: $name, input: $input) {{
    rule {{ {RULE_FIELDS} }} backfill {{ id status }} errors {{ field message }}
  }}
}}"""
BACKFILLS = """{ backfills {
  id rule status scanned tagged untagged progress totalEstimate coveredEstimate nextId upperId error } }"""
TEMPLATE_FIELDS = "name app subjectType action text"
CREATE_TEMPLATE = f"""
mutation($input: TemplateInput!) {{
  createTemplate(input: $input) {{ template {{ {TEMPLATE_FIELDS} }} errors {{ field message }} }}
}}"""
LESSON_RULE = {
    "name": "lesson-feed",
    "kind": "FEED",
    "tag": "lesson:{payload.lesson.id}",
    "match": {"actions": ["check.passed"], "payload": [{"operation": "EXISTS", "path": ["lesson", "id"]}]},
}
TEMPLATE = {
    "name": "check-passed",
    "app": "practica",
    "subjectType": "Check",
    "action": "check.passed",
    "text": "{performer} passed {payload.lesson.id}",
}


@pytest.fixture
def admin(chronicles_db_url: str, tmp_path: Path) -> Iterator[Admin]:
    with admin_client(chronicles_db_url, tmp_path) as client:
        yield client


def test_without_an_admin_token_the_internal_api_is_disabled(chronicles_client: TestClient) -> None:
    response = chronicles_client.post("/internal/graphql", json={"query": "{ tagRules { name } }"})
    assert response.status_code == 503
    assert "disabled" in response.json()["detail"]
    assert "CHRONICLES_ADMIN_TOKEN" in response.json()["detail"]


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Basic czNjcmV0LWFkbWlu", "s3cret-admin", "Bearer "])
def test_a_missing_or_wrong_token_is_a_401(admin: Admin, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = admin.client.post("/internal/graphql", json={"query": "{ tagRules { name } }"}, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "data" not in response.json()


def test_the_right_token_is_served_and_get_is_not(admin: Admin) -> None:
    assert admin("{ tagRules { name } templates { name } }") == {"tagRules": [], "templates": []}
    assert admin.client.get("/internal/graphql", params={"query": "{ tagRules { name } }"}).status_code != 200


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"tag": "user:{performer.name}"}, "tag", "{performer.name}"),
        ({"match": {"subjectTypes": ["job"]}}, "match.subjectTypes[0]", "pattern"),
        ({"match": {"payload": [{"operation": "IN", "path": ["a"], "value": 3}]}}, "match.payload[0]", "IN needs"),
        ({"match": {"payload": [{"operation": "EQ", "path": ["a b"], "value": 3}]}}, "match.payload[0].path[0]", ""),
        ({"name": "Bad Name"}, "name", "pattern"),
    ],
)
def test_a_bad_rule_names_the_field_and_stores_nothing(
    admin: Admin, change: dict[str, object], field: str, words: str
) -> None:
    payload = admin(CREATE_RULE, input={**LESSON_RULE, **change})["createTagRule"]
    assert payload["rule"] is None
    assert [error["field"] for error in payload["errors"]] == [field]
    assert words in payload["errors"][0]["message"]
    assert admin("{ tagRules { name } }") == {"tagRules": []}


async def test_a_rule_created_over_stored_entries_is_backfilled_by_the_worker(
    admin: Admin, chronicles_conn: AsyncConnection, chronicles_db_url: str
) -> None:
    lessons = [entry(check_passed=True, payload={"lesson": {"id": f"py-{n % 2}"}}) for n in range(6)]
    await store(chronicles_conn, lessons + [entry() for _ in range(3)])
    created = admin(CREATE_RULE, input=LESSON_RULE)["createTagRule"]
    assert created["errors"] == []
    assert created["rule"]["match"] == {
        "apps": [],
        "subjectTypes": [],
        "actions": ["check.passed"],
        "payload": [{"operation": "EXISTS", "path": ["lesson", "id"], "value": None}],
    }
    assert created["backfill"]["status"] == "queued"
    assert (created["backfill"]["totalEstimate"], created["backfill"]["progress"]) == (9, 0.0)

    await run_worker(libpq(chronicles_db_url))

    [done] = admin(BACKFILLS)["backfills"]
    assert done == {
        **done,
        "rule": "lesson-feed",
        "status": "done",
        "scanned": 9,
        "tagged": 6,
        "untagged": 0,
        "progress": 1.0,
        "coveredEstimate": 9,
        "error": None,
    }
    tags = await feed_tags(chronicles_conn)
    assert sorted(found[0] for found in tags.values() if found) == ["lesson:py-0"] * 3 + ["lesson:py-1"] * 3

    changed = admin(UPDATE_RULE, name="lesson-feed", input={"tag": "l:{payload.lesson.id}"})["updateTagRule"]
    assert (changed["rule"]["revision"], changed["rule"]["retiredVersions"]) == (2, 1)
    assert changed["backfill"]["status"] == "queued"
    await run_worker(libpq(chronicles_db_url))
    assert (
        sorted(found[0] for found in (await feed_tags(chronicles_conn)).values() if found)
        == ["l:py-0"] * 3 + ["l:py-1"] * 3
    )
    assert admin("{ tagRules { retiredVersions } }") == {"tagRules": [{"retiredVersions": 0}]}


def test_update_delete_and_start_backfill_name_what_is_wrong(admin: Admin) -> None:
    missing = admin(UPDATE_RULE, name="nope", input={"tag": "x"})["updateTagRule"]
    assert missing["errors"] == [{"field": "name", "message": "no tag rule is named 'nope'"}]
    admin(CREATE_RULE, input=LESSON_RULE, backfill=False)
    same = admin(UPDATE_RULE, name="lesson-feed", input={"tag": LESSON_RULE["tag"]})["updateTagRule"]
    assert (same["rule"]["revision"], same["backfill"]) == (1, None)
    bad = admin(UPDATE_RULE, name="lesson-feed", input={"kind": "ACCESS", "tag": "{oops}"})["updateTagRule"]
    assert [error["field"] for error in bad["errors"]] == ["tag"]
    assert admin("{ tagRules { kind } }") == {"tagRules": [{"kind": "FEED"}]}

    start = (
        "mutation($r: String!) { startBackfill(ruleName: $r) { backfill { rule status } errors { field message } } }"
    )
    assert admin(start, r="nope")["startBackfill"]["errors"][0]["field"] == "ruleName"
    assert admin(start, r="lesson-feed")["startBackfill"]["backfill"] == {"rule": "lesson-feed", "status": "done"}

    delete = "mutation($n: String!) { deleteTagRule(name: $n) { deleted errors { field message } } }"
    assert admin(delete, n="lesson-feed")["deleteTagRule"] == {"deleted": True, "errors": []}
    assert admin(delete, n="lesson-feed")["deleteTagRule"]["errors"][0]["field"] == "name"
    assert admin("{ tagRules { name } backfills { id } }") == {"tagRules": [], "backfills": []}


@pytest.mark.parametrize(
    ("text", "named"),
    [("{payload.x y} happened", "'x y'"), ("{performer.name} did it", "{performer.name}")],
)
def test_a_template_with_an_impossible_placeholder_is_refused(admin: Admin, text: str, named: str) -> None:
    payload = admin(CREATE_TEMPLATE, input={**TEMPLATE, "text": text})["createTemplate"]
    assert payload["template"] is None
    assert [error["field"] for error in payload["errors"]] == ["text"]
    assert named in payload["errors"][0]["message"]
    assert admin("{ templates { name } }") == {"templates": []}


def test_templates_are_created_changed_and_unique_per_kind(admin: Admin) -> None:
    created = admin(CREATE_TEMPLATE, input=TEMPLATE)["createTemplate"]
    assert created == {"template": {**TEMPLATE}, "errors": []}
    clash = admin(CREATE_TEMPLATE, input={**TEMPLATE, "name": "another"})["createTemplate"]
    assert clash["errors"][0]["field"] == "action"
    assert "template 'check-passed' already renders" in clash["errors"][0]["message"]
    bad_kind = admin(CREATE_TEMPLATE, input={**TEMPLATE, "name": "x", "subjectType": "check"})["createTemplate"]
    assert bad_kind["errors"][0]["field"] == "subjectType"

    update = """mutation($n: String!, $i: TemplatePatch!) {
      updateTemplate(name: $n, input: $i) { template { text action } errors { field message } } }"""
    changed = admin(update, n="check-passed", i={"text": "{performer} won", "action": "check.failed"})
    assert changed["updateTemplate"] == {
        "template": {"text": "{performer} won", "action": "check.failed"},
        "errors": [],
    }
    refused = admin(update, n="check-passed", i={"text": "{payload.}"})["updateTemplate"]
    assert refused["errors"][0]["field"] == "text"
    delete = "mutation($n: String!) { deleteTemplate(name: $n) { deleted errors { field } } }"
    assert admin(delete, n="check-passed")["deleteTemplate"] == {"deleted": True, "errors": []}
    assert admin(delete, n="check-passed")["deleteTemplate"] == {"deleted": False, "errors": [{"field": "name"}]}


def test_depth_and_aliases_are_bounded(admin: Admin) -> None:
    aliases = " ".join(f"a{n}: tagRules {{ name }}" for n in range(25))
    assert "aliases" in admin.errors(f"{{ {aliases} }}")[0]["message"]
