"""``POST /internal/graphql``: dead letters (list, re-drive, discard) and ingestion status."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from psycopg import AsyncConnection

from chronicles.ingest.parsing import KAFKA_NAMESPACE
from chronicles.store.consumer_status import PartitionStatus, record_consumer_status
from tests.chronicles.factories import entry
from tests.chronicles.operating import Admin, admin_client, feed_tags, one

LETTER = "id source raw rawEncoding error field topic partition offset status attempts resolvedAt"
DEAD_LETTERS = f"""
query($status: DeadLetterStatus = PENDING, $first: Int! = 50, $after: String) {{
  deadLetters(status: $status, first: $first, after: $after) {{
    edges {{ cursor node {{ {LETTER} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
REDRIVE = f"""
mutation($ids: [ID!]!) {{
  redriveDeadLetters(ids: $ids) {{ redriven skipped stillFailing {{ {LETTER} }} errors {{ field message }} }}
}}"""
DISCARD = "mutation($ids: [ID!]!) { discardDeadLetters(ids: $ids) { discarded errors { field message } } }"
STATUS = """{ ingestionStatus {
  consumers { consumerGroup topic partition committedOffset highWatermark lag }
  totalLag entriesLastMinute entriesLastHour entriesEstimate deadLettersPending backfillsUnfinished } }"""


@pytest.fixture
def admin(chronicles_db_url: str, tmp_path: Path) -> Iterator[Admin]:
    with admin_client(chronicles_db_url, tmp_path) as client:
        yield client


async def dead_letter(conn: AsyncConnection, raw: bytes, error: str = "an old bug", **position: Any) -> int:
    """A dead letter as an earlier version (or a Kafka consumer) left it."""
    row = await (
        await conn.execute(
            'INSERT INTO dead_letters (source, raw, error, topic, partition, "offset") VALUES (%s, %s, %s, %s, %s, %s)'
            " RETURNING id",
            (
                "kafka" if position else "http",
                raw,
                error,
                position.get("topic"),
                position.get("partition"),
                position.get("offset"),
            ),
        )
    ).fetchone()
    assert row is not None
    return int(row[0])


def nodes(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in data["deadLetters"]["edges"]]


async def test_dead_letters_show_raw_bytes_error_field_and_position(
    admin: Admin, chronicles_conn: AsyncConnection
) -> None:
    response = admin.client.post("/entries", json=[entry(subject="nonsense"), entry()])
    assert response.json()["accepted"] == 1
    binary = await dead_letter(chronicles_conn, b"\xff\xfe{", "not JSON", topic="t", partition=2, offset=41)
    listed = nodes(admin(DEAD_LETTERS))
    assert [letter["source"] for letter in listed] == ["http", "kafka"]
    first, second = listed
    assert json.loads(first["raw"])["subject"] == "nonsense"
    assert (first["rawEncoding"], first["field"], first["status"], first["attempts"]) == (
        "utf-8",
        "subject",
        "PENDING".lower(),
        0,
    )
    assert first["error"].startswith("subject: String should match pattern")
    assert second == {
        **second,
        "id": str(binary),
        "raw": base64.b64encode(b"\xff\xfe{").decode(),
        "rawEncoding": "base64",
        "topic": "t",
        "partition": 2,
        "offset": 41,
    }


async def test_pages_of_dead_letters_follow_cursors(admin: Admin, chronicles_conn: AsyncConnection) -> None:
    ids = [await dead_letter(chronicles_conn, f"{n}".encode()) for n in range(5)]
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = admin(DEAD_LETTERS, first=2, after=after)["deadLetters"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert (seen, pages) == ([str(number) for number in ids], 3)
    assert "after" in admin.errors(DEAD_LETTERS, after="bm9wZQ==")[0]["message"]
    assert "first" in admin.errors(DEAD_LETTERS, first=0)[0]["message"]
    assert "first" in admin.errors(DEAD_LETTERS, first=501)[0]["message"]


async def test_redrive_stores_what_now_passes_and_keeps_what_still_fails(
    admin: Admin, chronicles_conn: AsyncConnection
) -> None:
    admin.client.post("/entries", json=[entry(subject="nonsense")])  # still bad after any fix
    [(still_bad,)] = await (await chronicles_conn.execute("SELECT id FROM dead_letters")).fetchall()
    fixed_message = entry(check_passed=True, payload={"lesson": {"id": "py-3"}})
    del fixed_message["sequence_code"]  # its identity comes from its Kafka position
    fixed = await dead_letter(
        chronicles_conn,
        json.dumps(fixed_message).encode(),
        "rejected by a bug since fixed",
        topic="t",
        partition=0,
        offset=7,
    )
    create = """mutation { createTagRule(input: {name: "lessons", kind: FEED, tag: "lesson:{payload.lesson.id}"}) {
      errors { field } } }"""
    assert admin(create) == {"createTagRule": {"errors": []}}  # the new rule tags what is re-driven

    result = admin(REDRIVE, ids=[str(fixed), str(still_bad), "999"])["redriveDeadLetters"]
    assert (result["redriven"], result["skipped"], result["errors"]) == ([str(fixed)], ["999"], [])
    [failing] = result["stillFailing"]
    assert (failing["id"], failing["status"], failing["attempts"], failing["field"]) == (
        str(still_bad),
        "pending",
        1,
        "subject",
    )
    assert failing["error"].startswith("subject: String should match pattern")

    stored = await one(chronicles_conn, "SELECT sequence_code, subject FROM entries")
    assert stored[0] == uuid.uuid5(KAFKA_NAMESPACE, "t/0/7")
    assert await feed_tags(chronicles_conn) == {stored[1]: ["lesson:py-3"]}
    status = await one(
        chronicles_conn, "SELECT status, attempts, resolved_at IS NOT NULL FROM dead_letters WHERE id = %s", fixed
    )
    assert status == ("redriven", 1, True)

    again = admin(REDRIVE, ids=[str(fixed), str(still_bad)])["redriveDeadLetters"]
    assert (again["redriven"], again["skipped"]) == ([], [str(fixed)])
    assert again["stillFailing"][0]["attempts"] == 2
    assert await one(chronicles_conn, "SELECT count(*) FROM entries") == 1
    assert [letter["id"] for letter in nodes(admin(DEAD_LETTERS))] == [str(still_bad)]
    assert len(nodes(admin(DEAD_LETTERS, status=None))) == 2

    assert admin(DISCARD, ids=[str(still_bad), str(fixed)])["discardDeadLetters"] == {
        "discarded": [str(still_bad)],
        "errors": [],
    }
    assert nodes(admin(DEAD_LETTERS)) == []
    assert [letter["id"] for letter in nodes(admin(DEAD_LETTERS, status="DISCARDED"))] == [str(still_bad)]


async def test_redriving_an_entry_already_stored_adds_nothing(admin: Admin, chronicles_conn: AsyncConnection) -> None:
    message = entry()
    admin.client.post("/entries", json=message)
    letter = await dead_letter(chronicles_conn, json.dumps(message).encode())
    assert admin(REDRIVE, ids=[str(letter)])["redriveDeadLetters"]["redriven"] == [str(letter)]
    assert await one(chronicles_conn, "SELECT count(*) FROM entries") == 1


async def test_a_letter_that_still_fails_stays_pending(admin: Admin, chronicles_conn: AsyncConnection) -> None:
    nul = json.dumps(entry(payload={"text": "a\u0000b"})).encode()  # valid JSON that jsonb cannot hold
    letter = await dead_letter(chronicles_conn, nul)
    good = await dead_letter(chronicles_conn, json.dumps(entry()).encode())
    result = admin(REDRIVE, ids=[str(letter), str(good)])["redriveDeadLetters"]
    assert result["redriven"] == [str(good)]
    assert result["stillFailing"][0]["error"].startswith("payload:")
    assert await one(chronicles_conn, "SELECT count(*) FROM entries") == 1


def test_bad_ids_are_named(admin: Admin) -> None:
    result = admin(REDRIVE, ids=["1", "x"])["redriveDeadLetters"]
    assert result["errors"] == [{"field": "ids[1]", "message": "is not a dead letter id"}]
    assert admin(DISCARD, ids=[])["discardDeadLetters"]["errors"][0]["field"] == "ids"


async def test_ingestion_status(admin: Admin, chronicles_conn: AsyncConnection) -> None:
    await record_consumer_status(
        chronicles_conn, "chronicles", [PartitionStatus("entries", 0, 90, 100), PartitionStatus("entries", 1, 50, 50)]
    )
    admin.client.post("/entries", json=[entry(), entry(), entry(), entry(subject="nonsense")])
    await chronicles_conn.execute("ANALYZE entries")
    status = admin(STATUS)["ingestionStatus"]
    assert status == {
        "consumers": [
            {
                "consumerGroup": "chronicles",
                "topic": "entries",
                "partition": 0,
                "committedOffset": 90,
                "highWatermark": 100,
                "lag": 10,
            },
            {
                "consumerGroup": "chronicles",
                "topic": "entries",
                "partition": 1,
                "committedOffset": 50,
                "highWatermark": 50,
                "lag": 0,
            },
        ],
        "totalLag": 10,
        "entriesLastMinute": 3,
        "entriesLastHour": 3,
        "entriesEstimate": 3,
        "deadLettersPending": 1,
        "backfillsUnfinished": 0,
    }


async def test_recent_counts_can_use_the_brin_index(chronicles_conn: AsyncConnection) -> None:
    from chronicles.ingest.status import RECENT

    async with chronicles_conn.transaction():
        await chronicles_conn.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(row[0] for row in await (await chronicles_conn.execute("EXPLAIN " + RECENT)).fetchall())
    assert "_recorded_at_idx" in plan  # ix_entries_recorded, on each month's partition
