"""The search SQL against its Python meaning, on a real PostgreSQL.

- Payload conditions: thousands of (operation, path, value) combinations over
  payloads chosen for their edge cases, each evaluated by
  ``rules.conditions.holds`` and by the SQL; the answers must be identical.
- Every way a search can be driven (subjects, performers, actions, feed tags,
  access tags, the plain payload statement) gives the same pages.
- The statement never contains a value: only placeholders.
"""

from __future__ import annotations

import base64
import itertools
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from psycopg import AsyncConnection
from pydantic import ValidationError

from chronicles.contract.conditions import PayloadCondition
from chronicles.contract.filters import EntryFilter
from chronicles.errors import SearchTimeoutError
from chronicles.rules.conditions import holds
from chronicles.store.search import CursorError, EntryRow, Position, SearchRequest, compile_search, search
from chronicles.store.search import fetch as _fetch
from chronicles.store.search_plan import Driver, Statistics
from tests.chronicles.conftest import libpq
from tests.chronicles.search_data import BASE, RULES, ingest, messages, reference

PAYLOADS: list[dict[str, Any]] = [
    {"score": 7, "ratio": 0.5, "title": "Pipes and filters", "flag": {"gid": "gid://plat/Flag/1", "on": True}},
    {"labels": ["red", "blue"], "when": "2026-05-01T10:00:00Z", "nothing": None},
    {"score": 7.0},
    {"score": "7"},
    {"score": True},
    {"score": 1},
    {"score": [7]},
    {"score": {"v": 7}},
    {"score": None},
    {"score": 10**20},
    {"score": -3.25},
    {"score": 0.30000000000000004},
    {"score": 0.3},
    {"labels": [], "flag": {}},
    {"labels": [["red"]]},
    {"labels": [{"name": "red", "n": 1}, {"name": "blue"}, "red"]},
    {"labels": "red, blue"},
    {"items": [{"id": "a"}, {"id": "b"}], "0": "zero-key"},
    {"items": {"0": {"id": "a"}, "-1": {"id": "neg"}}},
    {"items": [[1, 2], [3]]},
    {"title": ""},
    {"title": "ünïcödé ☃ 𝄞"},
    {"title": "Zebra"},
    {"title": "apple"},
    {"title": "a'; DROP TABLE entries; --"},
    {"flag": {"gid": "gid://plat/Flag/2", "on": False, "meta": {"deep": {"er": [1, {"x": "y"}]}}}},
    {"-1": "minus one key", "007": "bond", "arr": [0, 1, 2, 3, 4, 5, 6, 7, 8]},
    {},
    {"nested": {"a": {"b": {"c": {"d": 1}}}}},
    {"nested": {"a": {"b": []}}},
]
PATHS = [
    ["score"],
    ["title"],
    ["flag"],
    ["flag", "gid"],
    ["flag", "on"],
    ["labels"],
    ["labels", "0"],
    ["labels", "0", "name"],
    ["items", "0", "id"],
    ["items", "-1", "id"],
    ["items", "1"],
    ["arr", "007"],
    ["arr", "-1"],
    ["arr", "-0"],
    ["-1"],
    ["007"],
    ["0"],
    ["nothing"],
    ["missing"],
    ["nested", "a", "b"],
    ["flag", "meta", "deep", "er", "1", "x"],
]
VALUES: list[Any] = [
    7, 7.0, "7", True, False, 1, None, [7], {"v": 7}, "red", ["red", "blue"], {"gid": "gid://plat/Flag/1", "on": True},
    "", 0.30000000000000004, 0.3, 10**20, "a'; DROP TABLE entries; --", {}, [], "bond", {"id": "a"},
    {"c": {"d": 1}}, [1, 2], "ü", {"name": "red"}, [{"name": "red"}], [["red"]], "Zebra", -3.25, "2026-04-30", "y",
]  # fmt: skip
IN_LISTS: list[list[Any]] = [[7, "red"], [True], [None, 1], [[7], {"v": 7}], [{}], ["Zebra", "apple"], [0.3, -3.25]]


def _conditions() -> list[PayloadCondition]:
    found: list[PayloadCondition] = []
    for path in PATHS:
        candidates: list[dict[str, Any]] = [{"operation": "EXISTS"}]
        candidates += [
            {"operation": op, "value": v} for op, v in itertools.product(("EQ", "NOT_EQ", "CONTAINS"), VALUES)
        ]
        candidates += [{"operation": "IN", "value": values} for values in IN_LISTS]
        candidates += [{"operation": op, "value": v} for op, v in itertools.product(("GT", "GTE", "LT", "LTE"), VALUES)]
        for candidate in candidates:
            try:
                found.append(PayloadCondition.model_validate({**candidate, "path": path}))
            except ValidationError:
                continue  # e.g. GT with a list, CONTAINS with null: refused before any search
    return found


async def _all(
    conn: AsyncConnection, entry_filter: EntryFilter, access: list[str], driver: Driver, first: int
) -> list[EntryRow]:
    rows: list[EntryRow] = []
    after = None
    for _ in range(500):
        statement, params = compile_search(SearchRequest(entry_filter, access, first, after), driver)
        page = await _fetch(conn, statement, params)
        rows += page[:first]
        if len(page) <= first:
            return rows
        after = page[first - 1].position
    raise AssertionError("paging does not end")


async def test_payload_conditions_mean_in_sql_what_they_mean_in_python(chronicles_conn: AsyncConnection) -> None:
    documents = [
        {"app": "plat", "subject": f"gid://plat/Thing/{i}", "action": "thing.made", "payload": payload,
         "occurred_at": (BASE + timedelta(seconds=i)).isoformat(), "sequence_code": str(uuid.UUID(int=i + 1))}
        for i, payload in enumerate(PAYLOADS)
    ]  # fmt: skip
    await ingest(chronicles_conn, documents, ("everyone", "access", "all", {}))
    conditions = _conditions()
    assert len(conditions) > 2000
    mismatches = []
    for condition in conditions:
        entry_filter = EntryFilter(payload=[condition])
        rows = await _all(chronicles_conn, entry_filter, ["all"], Driver.PAYLOAD, 100)
        in_sql = {row.sequence_code.int - 1 for row in rows}
        in_python = {index for index, payload in enumerate(PAYLOADS) if holds(condition, payload)}
        if in_sql != in_python:
            mismatches.append((condition.model_dump(), sorted(in_sql ^ in_python)))
    assert mismatches == []


FILTERS: list[dict[str, Any]] = [
    {},
    {"subjects": ["gid://practica/Lesson/1", "gid://forum/Post/3", "gid://forum/Post/1"]},
    {"performers": ["gid://practica/User/1", "gid://practica/User/4"], "apps": ["practica"]},
    {"actions": ["check.failed", "post.created"], "occurredAfter": "2026-03-01T00:05:00Z"},
    {"feedTags": ["lesson:1", "flagged"], "occurredBefore": "2026-03-01T00:40:00Z"},
    {"feedTags": ["lesson:2", "user:2"], "feedTagsMatch": "ALL"},
    {"feedTags": ["user:1"], "subjectTypes": ["Check", "Post"]},
    {"payload": [{"operation": "IN", "path": ["flag", "gid"], "value": ["gid://plat/Flag/1", "gid://plat/Flag/2"]}]},
    {"payload": [{"operation": "CONTAINS", "path": ["labels"], "value": "red"}], "subjects": ["gid://practica/Lesson/0"]},
    {"payload": [{"operation": "LT", "path": ["ratio"], "value": 3}], "actions": ["check.passed"], "performers": ["gid://practica/User/3"]},
    {"apps": ["practica", "forum"], "subjectTypes": ["Check", "Post"], "performers": ["gid://practica/User/2"]},
    # more values than UNION_BRANCHES: the LATERAL form
    {"subjects": [f"gid://practica/Check/{i}" for i in range(1, 40, 4)] + ["gid://forum/Post/1"]},
    {"feedTags": [f"user:{i}" for i in range(5)] + [f"lesson:{i}" for i in range(3)] + ["flagged", "nothing"]},
]  # fmt: skip


@pytest.mark.parametrize("entry_filter", FILTERS, ids=lambda f: ",".join(f) or "none")
@pytest.mark.parametrize(
    "access",
    [["org:1", "org:2"], ["org:3", "public"], ["org:3", "public", *(f"team:{i}" for i in range(8))]],
    ids=["orgs 1 2", "org 3 public", "ten tags"],
)
async def test_every_driver_gives_the_same_pages(
    entry_filter: dict[str, Any], access: list[str], chronicles_conn: AsyncConnection
) -> None:
    await ingest(chronicles_conn, messages(), *RULES)
    rows = await (await chronicles_conn.execute("SELECT * FROM entries")).fetchall()
    assert rows
    parsed = EntryFilter.model_validate(entry_filter)
    stored = [await _one(chronicles_conn, row[0]) for row in rows]
    expected = reference(stored, parsed, access)  # type: ignore[arg-type]
    optional = {
        Driver.SUBJECT: parsed.subjects,
        Driver.PERFORMER: parsed.performers,
        Driver.ACTION: parsed.actions,
        Driver.FEED_TAG: parsed.feed_tags,
    }
    drivers = [Driver.ACCESS_TAG, Driver.PAYLOAD, *(driver for driver, values in optional.items() if values)]
    if parsed.apps and parsed.subject_types:
        drivers.append(Driver.APP_TYPE)
    for driver, first in itertools.product(drivers, (1, 3, 100)):
        found = [row.sequence_code for row in await _all(chronicles_conn, parsed, access, driver, first)]
        assert found == expected, (driver, first)
    page = await search(chronicles_conn, SearchRequest(parsed, access, 100), Statistics())
    assert [row.sequence_code for row in page.rows] == expected
    assert not page.has_next


@pytest.mark.parametrize("entry_filter", [f for f in FILTERS if "feedTags" in f], ids=lambda f: ",".join(f))
async def test_feed_taggings_an_older_release_wrote_without_access_tags_are_found_as_before(
    entry_filter: dict[str, Any], chronicles_conn: AsyncConnection
) -> None:
    """Before revision 0009 a feed tagging had no copy of its entry's access tags: NULL, checked on the entry."""
    await ingest(chronicles_conn, messages(), *RULES)
    await chronicles_conn.execute("UPDATE feed_taggings SET access_tags = NULL WHERE entry_id % 3 <> 0")
    rows = await (await chronicles_conn.execute("SELECT id FROM entries")).fetchall()
    stored = [await _one(chronicles_conn, entry_id) for (entry_id,) in rows]
    parsed = EntryFilter.model_validate(entry_filter)
    for access, first in itertools.product([["org:1", "org:2"], ["org:3", "public"]], (1, 3, 100)):
        expected = reference(stored, parsed, access)
        assert expected
        found = [row.sequence_code for row in await _all(chronicles_conn, parsed, access, Driver.FEED_TAG, first)]
        assert found == expected, (access, first)


async def _one(conn: AsyncConnection, entry_id: int) -> EntryRow:
    statement, params = compile_search(
        SearchRequest(EntryFilter(), ["org:1", "org:2", "org:3", "public"], 1000), Driver.PAYLOAD
    )
    return next(row for row in await _fetch(conn, statement, params) if row.id == entry_id)


async def test_a_search_that_runs_out_of_time_is_a_search_timeout(
    chronicles_conn: AsyncConnection, chronicles_db_url: str
) -> None:
    """The statement timeout cancels the query; the caller gets SearchTimeoutError (GraphQL code TIMEOUT)."""
    async with await AsyncConnection.connect(libpq(chronicles_db_url)) as holder:
        await holder.execute("LOCK TABLE entries IN ACCESS EXCLUSIVE MODE")  # held until holder's transaction ends
        async with chronicles_conn.transaction():
            await chronicles_conn.execute("SET LOCAL statement_timeout = '100ms'")
            with pytest.raises(SearchTimeoutError, match="took too long"):
                await search(chronicles_conn, SearchRequest(EntryFilter(), ["all"], 10), Statistics())


def test_the_statement_holds_no_value() -> None:
    nasty = "x'); DROP TABLE entries; --"
    entry_filter = EntryFilter.model_validate(
        {
            "payload": [
                {"operation": "EQ", "path": ["a-b", "007"], "value": nasty},
                {"operation": "CONTAINS", "path": ["c"], "value": {nasty: [nasty]}},
                {"operation": "GT", "path": ["d"], "value": nasty},
                {"operation": "IN", "path": ["e", "-1"], "value": [nasty, 1]},
            ],
            "occurredAfter": "2026-01-01T00:00:00Z",
        }
    )
    request = SearchRequest(entry_filter, [nasty.replace(" ", "")], 10, Position(BASE, 42))
    for driver in Driver:
        statement, params = compile_search(request, driver)
        text = statement.as_string()
        for value in ("DROP", "007", "a-b", "2026", "42"):
            assert value not in text, (driver, value)
        assert any(nasty in json.dumps(value, default=str) for value in params.values())


def test_cursors_round_trip_and_refuse_anything_else() -> None:
    position = Position(BASE + timedelta(microseconds=123456), 9_007_199_254_740_993)
    assert Position.decode(position.encode()) == position
    texts = [b"1:1:1", b"a:1", b"1:-1", b"1:", b":1", b"-999999999999999999:1", b"12:9223372036854775808", b"1:1\n"]
    encoded = [base64.urlsafe_b64encode(text).decode() for text in texts]
    for bad in ["", "x", "!!!!", "MTox\u00e9", "MTox!", "M Tox", *encoded]:
        with pytest.raises(CursorError):
            Position.decode(bad)


def test_string_order_is_code_point_order_whatever_the_database_collation() -> None:
    """This server sorts by code point in every collation it has, so the grid above cannot catch a missing COLLATE."""
    from chronicles.store.payload_sql import compile_condition
    from chronicles.store.sql_params import Params

    condition = PayloadCondition.model_validate({"operation": "LT", "path": ["title"], "value": "S"})
    assert 'COLLATE "C"' in compile_condition(condition, Params()).sql.as_string()
