"""``POST /graphql``: every filter, every payload operation and feed-tag matching, through the real HTTP app."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chronicles.contract.filters import EntryFilter
from tests.chronicles.api.conftest import Token, data, graphql, search_codes
from tests.chronicles.search_data import BASE, Row, reference

VIEWER = ("org:1", "org:2")

FILTERS: dict[str, dict[str, Any]] = {
    "apps": {"apps": ["forum"]},
    "subjects": {"subjects": ["gid://practica/Lesson/1", "gid://forum/Post/3"]},
    "one subject": {"subjects": ["gid://practica/Lesson/2"]},
    "subject types": {"subjectTypes": ["Check"]},
    "actions": {"actions": ["check.failed", "post.created"]},
    "performers": {"performers": ["gid://practica/User/2", "gid://practica/User/4"]},
    "feed tags ANY": {"feedTags": ["lesson:1", "flagged"]},
    "feed tags ANY (default)": {"feedTags": ["user:3"]},
    "feed tags ALL": {"feedTags": ["lesson:1", "user:1"], "feedTagsMatch": "ALL"},
    "feed tags ALL, three": {"feedTags": ["lesson:0", "user:0", "lesson:0"], "feedTagsMatch": "ALL"},
    "occurred after": {"occurredAfter": (BASE.replace(minute=30)).isoformat()},
    "occurred before": {"occurredBefore": "2026-03-01T00:20:00+00:00"},
    "time window": {"occurredAfter": "2026-03-01T00:10:00Z", "occurredBefore": "2026-03-01T01:40:00+01:00"},
    "combined": {
        "apps": ["practica"],
        "actions": ["check.passed"],
        "feedTags": ["lesson:2"],
        "performers": ["gid://practica/User/3", "gid://practica/User/1"],
    },
    "payload and subject": {
        "subjects": ["gid://practica/Lesson/0"],
        "payload": [{"operation": "GTE", "path": ["score"], "value": 3}],
    },
}


@pytest.mark.parametrize("name", FILTERS)
def test_every_filter(name: str, chronicles_client: TestClient, seeded: list[Row], token: Token) -> None:
    entry_filter = FILTERS[name]
    expected = [str(code) for code in reference(seeded, EntryFilter.model_validate(entry_filter), VIEWER)]
    everything = reference(seeded, EntryFilter(), VIEWER)
    assert 0 < len(expected) < len(everything), "the filter must select some but not all entries"
    assert search_codes(chronicles_client, token(*VIEWER), entry_filter) == expected


CONDITIONS: list[dict[str, Any]] = [
    {"operation": "EQ", "path": ["flag", "gid"], "value": "gid://plat/Flag/1"},
    {"operation": "EQ", "path": ["org"], "value": 2.0},
    {"operation": "EQ", "path": ["labels"], "value": ["red", "l1"]},
    {"operation": "NOT_EQ", "path": ["score"], "value": 3},
    {"operation": "IN", "path": ["tests", "passed"], "value": [0, 3]},
    {"operation": "IN", "path": ["title"], "value": ["Shell basics", "a'; DROP TABLE entries; --"]},
    {"operation": "CONTAINS", "path": ["labels"], "value": "l2"},
    {"operation": "CONTAINS", "path": ["title"], "value": "ics"},
    {"operation": "CONTAINS", "path": ["flag"], "value": {"on": True}},
    {"operation": "EXISTS", "path": ["flag", "gid"]},
    {"operation": "EXISTS", "path": ["labels", "1"]},
    {"operation": "GT", "path": ["words"], "value": 60},
    {"operation": "GTE", "path": ["ratio"], "value": 2.5},
    {"operation": "LT", "path": ["title"], "value": "S"},
    {"operation": "LTE", "path": ["tests", "passed"], "value": 1},
]


@pytest.mark.parametrize("condition", CONDITIONS, ids=lambda c: f"{c['operation']}-{'.'.join(c['path'])}")
def test_every_payload_operation(
    condition: dict[str, Any], chronicles_client: TestClient, seeded: list[Row], token: Token
) -> None:
    entry_filter = {"payload": [condition]}
    expected = [str(code) for code in reference(seeded, EntryFilter.model_validate(entry_filter), VIEWER)]
    assert 0 < len(expected) < len(reference(seeded, EntryFilter(), VIEWER))
    assert search_codes(chronicles_client, token(*VIEWER), entry_filter) == expected


def test_payload_conditions_combine_with_and(chronicles_client: TestClient, seeded: list[Row], token: Token) -> None:
    entry_filter = {"payload": [CONDITIONS[3], CONDITIONS[7]], "feedTags": ["lesson:0", "lesson:1"]}
    expected = [str(code) for code in reference(seeded, EntryFilter.model_validate(entry_filter), VIEWER)]
    assert expected
    assert search_codes(chronicles_client, token(*VIEWER), entry_filter, first=2) == expected


def test_feed_tags_any_and_all_differ(chronicles_client: TestClient, seeded: list[Row], token: Token) -> None:
    tags = ["lesson:1", "user:1"]
    any_codes = search_codes(chronicles_client, token(*VIEWER), {"feedTags": tags})
    all_codes = search_codes(chronicles_client, token(*VIEWER), {"feedTags": tags, "feedTagsMatch": "ALL"})
    both = {
        str(row.sequence_code)
        for row in seeded
        if set(tags) <= set(row.feed_tags) and set(VIEWER) & set(row.access_tags)
    }
    assert set(all_codes) == both
    assert set(all_codes) < set(any_codes)


def test_an_entry_shows_its_fields_and_tags(chronicles_client: TestClient, seeded: list[Row], token: Token) -> None:
    query = """{ entries(filter: {subjects: ["gid://forum/Post/1"]}, first: 1) { edges { node {
        sequenceCode app subject subjectType action performer payload occurredAt recordedAt feedTags accessTags
    } } } }"""
    node = data(graphql(chronicles_client, token(*VIEWER), query))["entries"]["edges"][0]["node"]
    row = next(row for row in seeded if str(row.sequence_code) == node["sequenceCode"])
    assert (node["subject"], node["subjectType"]) == ("gid://forum/Post/1", "Post")
    assert (node["app"], node["action"], node["performer"]) == (row.app, row.action, row.performer)
    assert node["payload"] == row.payload
    assert node["occurredAt"] == row.occurred_at.astimezone(UTC).isoformat()
    assert node["occurredAt"].endswith("+00:00")
    assert sorted(node["feedTags"]) == sorted(row.feed_tags)
    assert "flagged" in node["feedTags"]
    assert node["accessTags"] == row.access_tags


def test_text_is_rendered_from_the_templates(
    chronicles_client: TestClient, seeded: list[Row], token: Token, db: Any
) -> None:
    db.execute(
        "INSERT INTO templates (name, app, subject_type, action, text) VALUES"
        " ('published', 'practica', 'Lesson', 'lesson.published',"
        "  '{performer.id} published {subject.id}: {payload.title}'),"
        " ('posted', 'forum', 'Post', 'post.created', '{performer} posted {{{payload.words}}} words')"
    )
    query = "{ entries(first: 100) { edges { node { sequenceCode action performer text } } } }"
    nodes = [edge["node"] for edge in data(graphql(chronicles_client, token(*VIEWER), query))["entries"]["edges"]]
    rows = {str(row.sequence_code): row for row in seeded}
    for node in nodes:
        row = rows[node["sequenceCode"]]
        if row.action == "lesson.published":
            performer, lesson = str(row.performer).rsplit("/", 1)[1], row.subject.rsplit("/", 1)[1]
            assert node["text"] == f"{performer} published {lesson}: {row.payload['title']}"
        elif row.action == "post.created":
            assert node["text"] == f"{row.performer or ''} posted {{{row.payload['words']}}} words"
        else:
            assert node["text"] is None
    assert {node["action"] for node in nodes} >= {"lesson.published", "post.created", "check.passed"}


def test_searches_are_observed_by_filter_kind(chronicles_client: TestClient, seeded: list[Row], token: Token) -> None:
    for entry_filter in (
        {},
        {"subjects": ["gid://forum/Post/1"]},
        {"feedTags": ["flagged"]},
        {"payload": CONDITIONS[:1]},
    ):
        search_codes(chronicles_client, token(*VIEWER), entry_filter)
    metrics = chronicles_client.get("/metrics").text
    for kind in ("access_only", "subject", "feed_tag", "payload"):
        assert f'chronicles_search_seconds_count{{filter="{kind}"}}' in metrics
