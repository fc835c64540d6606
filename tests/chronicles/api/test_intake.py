"""``POST /entries`` against a real PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from tests.chronicles.factories import entry


def rows(conn_url: Any, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(conn_url) as conn:
        return conn.execute(query).fetchall()


def db(client: TestClient) -> str:
    from tests.chronicles.conftest import libpq

    return libpq(client.app.state.services.settings.chronicles_database_url)  # type: ignore[attr-defined]


def test_one_entry(chronicles_client: TestClient) -> None:
    message = entry()
    response = chronicles_client.post("/entries", json=message)
    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "errors": []}
    stored = rows(db(chronicles_client), "SELECT sequence_code::text, subject_type, action, payload FROM entries")
    assert stored == [(message["sequence_code"], "Lesson", "lesson.published", message["payload"])]


def test_an_array_with_bad_items_stores_the_good_ones_and_names_the_bad_fields(chronicles_client: TestClient) -> None:
    items = [entry(), entry(subject="nonsense"), entry(), {"app": "practica"}, "just a string"]
    answer = chronicles_client.post("/entries", json=items).json()
    assert answer["accepted"] == 2
    assert [(e["index"], e["field"]) for e in answer["errors"]] == [(1, "subject"), (3, "subject"), (4, None)]
    assert "pattern" in answer["errors"][0]["message"]
    assert rows(db(chronicles_client), "SELECT count(*) FROM entries") == [(2,)]
    letters = rows(db(chronicles_client), "SELECT source, field, raw FROM dead_letters ORDER BY id")
    assert [(source, field) for source, field, _ in letters] == [
        ("http", "subject"),
        ("http", "subject"),
        ("http", None),
    ]
    assert json.loads(letters[0][2])["subject"] == "nonsense"


def test_ndjson_keeps_line_numbers_and_raw_bytes(chronicles_client: TestClient) -> None:
    body = b"\n".join([json.dumps(entry()).encode(), b"{not json", json.dumps(entry()).encode(), b""])
    response = chronicles_client.post("/entries", content=body, headers={"Content-Type": "application/x-ndjson"})
    answer = response.json()
    assert answer["accepted"] == 2
    assert answer["errors"][0]["index"] == 1
    assert answer["errors"][0]["message"].startswith("not JSON")
    assert rows(db(chronicles_client), "SELECT raw FROM dead_letters") == [(b"{not json",)]


def test_resending_never_duplicates(chronicles_client: TestClient) -> None:
    batch = [entry() for _ in range(5)]
    first = chronicles_client.post("/entries", json=batch).json()
    again = chronicles_client.post("/entries", json=batch + batch).json()
    assert first["accepted"] == 5
    assert again["accepted"] == 10
    assert rows(db(chronicles_client), "SELECT count(*) FROM entries") == [(5,)]


def test_an_entry_without_a_sequence_code_gets_one(chronicles_client: TestClient) -> None:
    message = entry()
    del message["sequence_code"]
    assert chronicles_client.post("/entries", json=message).json()["accepted"] == 1
    assert rows(db(chronicles_client), "SELECT count(*) FROM entries WHERE sequence_code IS NOT NULL") == [(1,)]


def test_a_body_that_is_not_json_is_a_400_and_stores_nothing(chronicles_client: TestClient) -> None:
    response = chronicles_client.post("/entries", content=b"<xml/>", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "not JSON" in response.json()["detail"]
    assert rows(db(chronicles_client), "SELECT count(*) FROM entries") == [(0,)]


def test_tag_rules_tag_entries_as_they_are_written(chronicles_client: TestClient) -> None:
    with psycopg.connect(db(chronicles_client)) as conn:
        conn.execute(
            "INSERT INTO tag_rules (name, kind, tag, match) VALUES"
            " ('lesson-history', 'feed', 'lesson:{subject.id}', '{\"actions\": [\"lesson.published\"]}'),"
            " ('own', 'access', 'user:{performer}', '{}'),"
            " ('flagged', 'feed', 'flagged', "
            '  \'{"payload": [{"operation": "GT", "path": ["score"], "value": 5}]}\')'
        )
    published = entry(subject="gid://practica/Lesson/9", performer="gid://practica/User/1", payload={"score": 9})
    system = entry(action="lesson.archived", subject="gid://practica/Lesson/9", performer=None)
    chronicles_client.post("/entries", json=[published, system])
    stored = rows(db(chronicles_client), "SELECT action, feed_tags, access_tags FROM entries ORDER BY id")
    assert stored == [
        ("lesson.published", ["lesson:9", "flagged"], ["user:gid://practica/User/1"]),
        ("lesson.archived", [], []),
    ]
    feed = rows(db(chronicles_client), "SELECT tag FROM feed_taggings ORDER BY tag")
    assert feed == [("flagged",), ("lesson:9",)]


def test_a_producer_token_is_required_and_names_the_apps_it_may_write(chronicles_settings: Any) -> None:
    from chronicles.app import create_app
    from tests.chronicles.conftest import producer_headers

    with TestClient(create_app(chronicles_settings)) as client:
        assert client.post("/entries", json=entry()).status_code == 401
        assert client.post("/entries", json=entry(), headers={"Authorization": "Bearer nope"}).status_code == 401
        forum_only = producer_headers(chronicles_settings, ("forum",))
        refused = client.post("/entries", json=[entry(app="forum"), entry()], headers=forum_only)
        ok = client.post("/entries", json=entry(), headers=producer_headers(chronicles_settings, ("practica",)))
    assert refused.status_code == 403
    assert "item 1" in refused.json()["detail"]
    assert ok.json()["accepted"] == 1
    assert rows(db(client), "SELECT app FROM entries") == [("practica",)]
    assert rows(db(client), "SELECT count(*) FROM dead_letters") == [(0,)]


def test_a_payload_jsonb_cannot_hold_is_named_and_the_other_entries_are_stored(chronicles_client: TestClient) -> None:
    items = [entry(), entry(payload={"note": "a\u0000b"}), entry(payload={"deep": [{"text": "\ud800"}]})]
    body = json.dumps(items).encode()  # the lone surrogate is escaped: valid JSON
    answer = chronicles_client.post("/entries", content=body, headers={"Content-Type": "application/json"}).json()
    assert answer["accepted"] == 1
    assert [(e["index"], e["field"]) for e in answer["errors"]] == [(1, "payload"), (2, "payload")]
    assert "NUL" in answer["errors"][0]["message"]
    assert "surrogate" in answer["errors"][1]["message"]
    assert rows(db(chronicles_client), "SELECT count(*) FROM entries") == [(1,)]
    assert rows(db(chronicles_client), "SELECT field FROM dead_letters ORDER BY id") == [("payload",), ("payload",)]
