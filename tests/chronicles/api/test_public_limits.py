"""Bad arguments name their field; limits on page size, depth, aliases and cost; injection attempts stay data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from graphql import get_introspection_query

from chronicles.app import create_app
from chronicles.settings import ChroniclesSettings
from tests.chronicles.api.conftest import ENTRIES, Token, data, error, graphql, search_codes
from tests.chronicles.search_data import Row

VIEWER = ("org:1", "org:2", "org:3")
INJECTION = "x'); DROP TABLE entries; --"


@pytest.mark.parametrize(
    ("entry_filter", "field"),
    [
        ({"subjects": ["gid://practica/Lesson/1", "not a gid"]}, "filter.subjects[1]"),
        ({"performers": [INJECTION]}, "filter.performers[0]"),
        ({"apps": ["Practica"]}, "filter.apps[0]"),
        ({"subjectTypes": ["lesson"]}, "filter.subjectTypes[0]"),
        ({"actions": ["published"]}, "filter.actions[0]"),
        ({"feedTags": ["lesson:1", "has space"]}, "filter.feedTags[1]"),
        ({"feedTags": []}, "filter.feedTags"),
        ({"occurredAfter": "2026-03-01T00:00:00"}, "filter.occurredAfter"),
        ({"occurredAfter": "2026-03-02T00:00:00Z", "occurredBefore": "2026-03-01T00:00:00Z"}, "filter"),
        ({"payload": [{"operation": "EQ", "path": ["title", "a'b"], "value": 1}]}, "filter.payload[0].path[1]"),
        ({"payload": [{"operation": "EQ", "path": ["title", "{a,b}"], "value": 1}]}, "filter.payload[0].path[1]"),
        ({"payload": [{"operation": "EQ", "path": [], "value": 1}]}, "filter.payload[0].path"),
        ({"payload": [{"operation": "EQ", "path": list("abcdefghi"), "value": 1}]}, "filter.payload[0].path"),
        ({"payload": [{"operation": "GT", "path": ["score"], "value": {"a": 1}}]}, "filter.payload[0].value"),
        ({"payload": [{"operation": "GT", "path": ["score"], "value": True}]}, "filter.payload[0].value"),
        ({"payload": [{"operation": "IN", "path": ["score"], "value": 3}]}, "filter.payload[0].value"),
        ({"payload": [{"operation": "EXISTS", "path": ["score"], "value": 3}]}, "filter.payload[0].value"),
        ({"payload": [{"operation": "CONTAINS", "path": ["score"]}]}, "filter.payload[0].value"),
        (
            {
                "payload": [
                    {"operation": "EQ", "path": ["a"], "value": 1},
                    {"operation": "EQ", "path": ["t"], "value": "a\u0000"},
                ]
            },
            "filter.payload[1].value",
        ),
        ({"payload": [{"operation": "EQ", "path": ["a"], "value": {"k\u0000": 1}}]}, "filter.payload[0].value"),
    ],
)
def test_bad_filter_values_are_errors_naming_the_field(
    entry_filter: dict[str, Any], field: str, chronicles_client: TestClient, token: Token
) -> None:
    problem = error(graphql(chronicles_client, token("org:1"), ENTRIES, filter=entry_filter))
    assert problem["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert problem["message"].startswith(f"{field}: ")


def test_an_unknown_operation_is_refused_by_the_schema(chronicles_client: TestClient, token: Token) -> None:
    entry_filter = {"payload": [{"operation": "LIKE", "path": ["title"], "value": "%"}]}
    problem = error(graphql(chronicles_client, token("org:1"), ENTRIES, filter=entry_filter))
    assert "LIKE" in problem["message"]
    assert "operation" in problem["message"]


@pytest.mark.parametrize("first", [0, -1, 101, 100_000])
def test_first_is_bounded(first: int, chronicles_client: TestClient, token: Token) -> None:
    problem = error(graphql(chronicles_client, token("org:1"), ENTRIES, first=first))
    assert problem["extensions"]["field"] == "first"
    assert problem["message"] == f"first: must be between 1 and 100 (got {first})"


def test_first_follows_the_configured_page_size(chronicles_settings: ChroniclesSettings, token: Token) -> None:
    settings = chronicles_settings.model_copy(update={"chronicles_max_page_size": 5})
    with TestClient(create_app(settings)) as client:
        assert error(graphql(client, token("org:1"), ENTRIES, first=6))["message"].startswith(
            "first: must be between 1 and 5"
        )
        assert data(graphql(client, token("org:1"), ENTRIES, first=5))["entries"]["edges"] == []


@pytest.mark.parametrize(
    "after", ["garbage", "bm90OmEtY3Vyc29y", INJECTION, "MTc2NzIyNTYwMDAwMDAwMDo1OyBEUk9QIFRBQkxFIGVudHJpZXM", "===="]
)
def test_a_cursor_that_was_not_given_out_is_refused(after: str, chronicles_client: TestClient, token: Token) -> None:
    problem = error(graphql(chronicles_client, token("org:1"), ENTRIES, after=after))
    assert problem["extensions"]["field"] == "after"


def test_injection_attempts_are_data(
    chronicles_client: TestClient, seeded: list[Row], token: Token, db: psycopg.Connection[Any]
) -> None:
    title = "a'; DROP TABLE entries; --"
    attempts: list[dict[str, Any]] = [
        {"payload": [{"operation": "EQ", "path": ["title"], "value": title}]},
        {"payload": [{"operation": "CONTAINS", "path": ["title"], "value": "'; DROP"}]},
        {"payload": [{"operation": "IN", "path": ["title"], "value": [title, "') OR true --"]}]},
        {"payload": [{"operation": "EQ", "path": ["title"], "value": {"$where": "1=1", "') OR ('1": "1"}}]},
        {"payload": [{"operation": "GT", "path": ["title"], "value": "' OR 1=1 --"}]},
        {"payload": [{"operation": "EXISTS", "path": ["title", "--"]}]},
    ]
    codes = [search_codes(chronicles_client, token(*VIEWER), attempt) for attempt in attempts]
    with_title = [row for row in seeded if row.payload.get("title") == title]
    assert with_title
    assert set(codes[0]) == set(codes[1]) == set(codes[2]) == {str(row.sequence_code) for row in with_title}
    assert codes[3] == []
    assert codes[5] == []
    assert set(codes[4]) == {
        str(r.sequence_code)
        for r in seeded
        if isinstance(r.payload.get("title"), str) and r.payload["title"] > "' OR 1=1 --"
    }
    tags_attempt = graphql(chronicles_client, token(*VIEWER), ENTRIES, filter={"feedTags": [INJECTION]})
    assert error(tags_attempt)["extensions"]["field"] == "filter.feedTags[0]"
    assert db.execute("SELECT count(*) FROM entries").fetchone() == (48,)
    assert db.execute("SELECT count(*) FROM feed_taggings").fetchone()[0] > 48  # type: ignore[index]


def test_too_many_aliases_are_refused(chronicles_client: TestClient, token: Token) -> None:
    query = (
        "{ "
        + " ".join(f'a{i}: entry(sequenceCode: "{i:08d}-0000-0000-0000-000000000000") {{ app }}' for i in range(11))
        + " }"
    )
    assert "aliases" in error(graphql(chronicles_client, token("org:1"), query))["message"]


@pytest.mark.parametrize(
    "query",
    [
        "{ a: entries(first: 100) { pageInfo { hasNextPage } } b: entries(first: 100) { pageInfo { hasNextPage } }"
        " c: entries(first: 5) { pageInfo { hasNextPage } } }",
        "query($n: Int) { a: entries(first: $n) { pageInfo { hasNextPage } }"
        " b: entries(first: $n) { pageInfo { hasNextPage } } c: entries(first: $n) { pageInfo { hasNextPage } } }",
        "{ ...F a: entries(first: 100) { pageInfo { hasNextPage } }"
        ' entry(sequenceCode: "00000000-0000-0000-0000-000000000000")'
        " { app } } fragment F on Query { entries(first: 100) { pageInfo { hasNextPage } } }",
        "{ a: entries(first: 1) { totalCount } b: entries(first: 1) { totalCountIsEstimate } }",
        "{ a: entries(first: 1) { ...T } b: entries(first: 1) { ... on EntryConnection { totalCount } } }"
        " fragment T on EntryConnection { totalCount }",
    ],
)
def test_costly_requests_are_refused_before_they_run(query: str, chronicles_client: TestClient, token: Token) -> None:
    problem = error(graphql(chronicles_client, token("org:1"), query, n=1))
    assert problem["extensions"] == {"code": "QUERY_TOO_COSTLY"}


def test_one_count_is_within_the_cost(chronicles_client: TestClient, token: Token) -> None:
    query = '{ entries(first: 100) { totalCount totalCountIsEstimate } entry(sequenceCode: "%s") { app } }'
    answer = data(graphql(chronicles_client, token("org:1"), query % "00000000-0000-0000-0000-000000000000"))
    assert answer == {"entries": {"totalCount": 0, "totalCountIsEstimate": False}, "entry": None}


def test_two_full_pages_are_within_the_cost(chronicles_client: TestClient, token: Token) -> None:
    query = "{ a: entries(first: 100) { pageInfo { hasNextPage } } b: entries { pageInfo { hasNextPage } } }"
    assert data(graphql(chronicles_client, token("org:1"), query))["a"] == {"pageInfo": {"hasNextPage": False}}


def test_depth_is_limited(chronicles_client: TestClient, token: Token) -> None:
    query = "{ entries { edges { node { payload { a { b { c { d } } } } } } } }"
    messages = [e["message"] for e in graphql(chronicles_client, token("org:1"), query).json()["errors"]]
    assert any("exceeds maximum operation depth of 6" in message for message in messages)


def test_introspection_works_but_cannot_nest_without_bound(chronicles_client: TestClient, token: Token) -> None:
    schema = data(graphql(chronicles_client, token("org:1"), get_introspection_query()))["__schema"]
    assert {"Entry", "EntryFilter", "PayloadOperation", "TagMatch"} <= {t["name"] for t in schema["types"]}
    deep = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    assert error(graphql(chronicles_client, token("org:1"), deep))["message"] == "Maximum introspection depth exceeded"


def test_no_queries_over_get(chronicles_client: TestClient, token: Token) -> None:
    response = chronicles_client.get(
        "/graphql",
        params={"query": "{ entries { edges { cursor } } }"},
        headers={"Authorization": f"Bearer {token('org:1')}"},
    )
    assert response.status_code != 200


def test_the_key_file_is_made_once_and_private(chronicles_client: TestClient, token: Token, tmp_path: Path) -> None:
    token("org:1")
    key = tmp_path / "chronicles" / "signing.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert len(key.read_text()) == 64
