"""Keyset paging: pages stay stable while entries are written between page fetches, ties included."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chronicles.contract.filters import EntryFilter
from tests.chronicles.api.conftest import ENTRIES, MAX_PAGES, Token, data, graphql
from tests.chronicles.search_data import BASE, Row, message, reference

VIEWER = ("org:1", "org:2", "org:3")
# One filter per way a search is driven: access tags, subjects, performers, actions, feed tags (any, all), payload.
FILTERS: list[dict[str, Any]] = [
    {},
    {"subjects": ["gid://practica/Lesson/1", "gid://practica/Lesson/2", "gid://forum/Post/1"]},
    {"performers": ["gid://practica/User/1", "gid://practica/User/3"]},
    {"actions": ["lesson.published", "post.created"]},
    {"feedTags": ["lesson:1", "flagged"]},
    {"feedTags": ["lesson:0", "user:0"], "feedTagsMatch": "ALL"},
    {"payload": [{"operation": "IN", "path": ["org"], "value": [1, 3]}]},
]
_counter = itertools.count(1000)


def _copies(when: list[datetime]) -> list[dict[str, Any]]:
    """New entries like those of the data set (so they match the same filters), at the given instants."""
    return [
        {**message(next(_counter) % 48), "sequence_code": str(uuid.uuid4()), "occurred_at": moment.isoformat()}
        for moment in when
    ]


@pytest.mark.parametrize("entry_filter", FILTERS, ids=lambda f: ",".join(f) or "access only")
def test_pages_are_stable_under_concurrent_inserts(
    entry_filter: dict[str, Any], chronicles_client: TestClient, seeded: list[Row], token: Token
) -> None:
    viewer = token(*VIEWER)
    existing = [str(code) for code in reference(seeded, EntryFilter.model_validate(entry_filter), VIEWER)]
    assert len(existing) >= 3
    first = 4 if len(existing) > 10 else 1
    seen: list[str] = []
    after, start = None, datetime.now().astimezone()
    newest_cursor_time = BASE + timedelta(days=1)
    for _ in range(MAX_PAGES):
        page = data(graphql(chronicles_client, viewer, ENTRIES, filter=entry_filter, first=first, after=after))[
            "entries"
        ]
        nodes = [edge["node"]["sequenceCode"] for edge in page["edges"]]
        seen += nodes
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        # Between fetches: newer entries, older ones, and ones at the cursor's own instant.
        cursor_row = next(row for row in _rows(chronicles_client) if str(row["sequence_code"]) == nodes[-1])
        newest_cursor_time += timedelta(minutes=1)
        moments = [newest_cursor_time, BASE - timedelta(minutes=len(seen)), cursor_row["occurred_at"]]
        assert chronicles_client.post("/entries", json=_copies(moments)).json()["errors"] == []
    else:
        raise AssertionError("no last page: the cursor does not advance")
    assert len(seen) == len(set(seen)), "an entry was shown twice"
    assert set(existing) <= set(seen), "an entry that existed was skipped"
    assert seen[0] == existing[0], "entries newer than the first page leaked in"
    rows = {str(row["sequence_code"]): row for row in _rows(chronicles_client)}
    keys = [(rows[code]["occurred_at"], rows[code]["id"]) for code in seen]
    assert keys == sorted(keys, reverse=True), "pages are not in one descending order"
    assert all(rows[code]["recorded_at"] < start or code not in existing for code in seen)


def _rows(client: TestClient) -> list[dict[str, Any]]:
    import psycopg

    from tests.chronicles.conftest import libpq

    url = libpq(client.app.state.services.settings.chronicles_database_url)  # type: ignore[attr-defined]
    with psycopg.connect(url) as conn:
        cursor = conn.execute("SELECT id, sequence_code, occurred_at, recorded_at FROM entries")
        return [dict(zip(("id", "sequence_code", "occurred_at", "recorded_at"), row, strict=True)) for row in cursor]


def test_entries_at_one_instant_page_by_id(chronicles_client: TestClient, seeded: list[Row], token: Token) -> None:
    same = BASE + timedelta(days=2)
    copies = _copies([same] * 10)
    for copy in copies:
        copy["payload"] = {**copy["payload"], "org": 1, "batch": "ties"}
    assert chronicles_client.post("/entries", json=copies).json()["accepted"] == 10
    entry_filter = {"payload": [{"operation": "EQ", "path": ["batch"], "value": "ties"}]}
    codes, after = [], None
    for _ in range(MAX_PAGES):
        page = data(graphql(chronicles_client, token("org:1"), ENTRIES, filter=entry_filter, first=3, after=after))[
            "entries"
        ]
        codes += [edge["node"]["sequenceCode"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    else:
        raise AssertionError("no last page: the cursor does not advance")
    assert codes == [copy["sequence_code"] for copy in reversed(copies)]
