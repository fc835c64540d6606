"""Writing a batch of entries, their tags and the batch's dead letters in one transaction.

Entries go in with one ``INSERT … SELECT FROM unnest(…)`` per batch (arrays
are sent in binary, one round trip), ``ON CONFLICT (sequence_code) DO
NOTHING`` makes redelivery harmless, and only the rows actually inserted get
tagging rows. The caller owns the transaction: a Kafka consumer commits its
offsets only after it commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from chronicles.ingest.parsing import RawMessage, Rejection, ValidEntry
from chronicles.rules.book import RuleBook, Tags
from chronicles.rules.placeholders import EntryView

INSERT_ENTRIES = """
INSERT INTO entries (sequence_code, app, subject, subject_type, action, performer, payload,
                     occurred_at, feed_tags, access_tags)
SELECT s.sequence_code, s.app, s.subject, s.subject_type, s.action, s.performer, s.payload,
       s.occurred_at, coalesce(string_to_array(s.feed_tags, E'\\x1f'), '{}'),
       coalesce(string_to_array(s.access_tags, E'\\x1f'), '{}')
FROM unnest(%(sequence_code)s::uuid[], %(app)s::text[], %(subject)s::text[], %(subject_type)s::text[],
            %(action)s::text[], %(performer)s::text[], %(payload)s::jsonb[], %(occurred_at)s::timestamptz[],
            %(feed_tags)s::text[], %(access_tags)s::text[])
     AS s(sequence_code, app, subject, subject_type, action, performer, payload, occurred_at, feed_tags, access_tags)
ON CONFLICT (sequence_code) DO NOTHING
RETURNING id, sequence_code
"""

_TAGGING_VALUES = """
SELECT * FROM unnest(%(tag)s::text[], %(occurred_at)s::timestamptz[], %(entry_id)s::bigint[])
ON CONFLICT DO NOTHING
"""
INSERT_TAGGINGS = {
    "feed": "INSERT INTO feed_taggings (tag, occurred_at, entry_id)" + _TAGGING_VALUES,
    "access": "INSERT INTO access_taggings (tag, occurred_at, entry_id)" + _TAGGING_VALUES,
}

# A message already pending (same source, position and bytes) counts one more delivery, not one more row.
INSERT_DEAD_LETTERS = """
INSERT INTO dead_letters (source, raw, error, field, topic, partition, "offset", fingerprint)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (fingerprint) WHERE status = 'pending'
DO UPDATE SET deliveries = dead_letters.deliveries + 1, last_received_at = now(),
              error = EXCLUDED.error, field = EXCLUDED.field
"""
# Tags per entry travel as one string joined by the ASCII unit separator (which
# rendered tags never contain): PostgreSQL has no ragged text[][] to send them in.
SEPARATOR = "\x1f"


@dataclass(frozen=True)
class BatchResult:
    inserted: int
    duplicates: int
    dead_lettered: int


def entry_view(entry: ValidEntry) -> EntryView:
    message = entry.message
    return EntryView(
        app=message.app,
        subject=message.subject,
        action=message.action,
        performer=message.performer,
        payload=message.payload,
        occurred_at=message.occurred_at.isoformat(),
    )


async def store_batch(
    conn: AsyncConnection, entries: Sequence[ValidEntry], rejections: Sequence[Rejection], book: RuleBook
) -> BatchResult:
    """Insert ``entries`` (tagged by ``book``) and dead-letter ``rejections``."""
    inserted = await _insert_entries(conn, entries, book) if entries else 0
    if rejections:
        async with conn.cursor() as cursor:
            await cursor.executemany(INSERT_DEAD_LETTERS, [_dead_letter_row(rejection) for rejection in rejections])
    return BatchResult(inserted, len(entries) - inserted, len(rejections))


async def _insert_entries(conn: AsyncConnection, entries: Sequence[ValidEntry], book: RuleBook) -> int:
    tags = [book.tags_for(entry_view(entry), entry.message.subject_id.type) for entry in entries]
    columns = _entry_columns(entries, tags)
    async with conn.cursor() as cursor:
        await cursor.execute(INSERT_ENTRIES, columns, prepare=False)
        inserted = {row[1]: row[0] for row in await cursor.fetchall()}
        for kind, statement in INSERT_TAGGINGS.items():
            rows = _tagging_rows(entries, tags, inserted, kind)
            if rows["tag"]:
                await cursor.execute(statement, rows, prepare=False)
    return len(inserted)


def _entry_columns(entries: Sequence[ValidEntry], tags: list[Tags]) -> dict[str, list[object]]:
    messages = [entry.message for entry in entries]
    return {
        "sequence_code": [entry.sequence_code for entry in entries],
        "app": [message.app for message in messages],
        "subject": [message.subject for message in messages],
        "subject_type": [message.subject_id.type for message in messages],
        "action": [message.action for message in messages],
        "performer": [message.performer for message in messages],
        "payload": [Jsonb(message.payload) for message in messages],
        "occurred_at": [message.occurred_at for message in messages],
        "feed_tags": [SEPARATOR.join(tag.feed) if tag.feed else None for tag in tags],
        "access_tags": [SEPARATOR.join(tag.access) if tag.access else None for tag in tags],
    }


def _tagging_rows(
    entries: Sequence[ValidEntry], tags: list[Tags], inserted: dict[object, int], kind: str
) -> dict[str, list[object]]:
    rows: dict[str, list[object]] = {"tag": [], "occurred_at": [], "entry_id": []}
    for entry, entry_tags in zip(entries, tags, strict=True):
        entry_id = inserted.get(entry.sequence_code)
        if entry_id is None:
            continue
        for tag in entry_tags.feed if kind == "feed" else entry_tags.access:
            rows["tag"].append(tag)
            rows["occurred_at"].append(entry.message.occurred_at)
            rows["entry_id"].append(entry_id)
    return rows


def _dead_letter_row(rejection: Rejection) -> tuple[object, ...]:
    raw = rejection.raw
    error = rejection.message if rejection.field is None else f"{rejection.field}: {rejection.message}"
    return (raw.source, raw.data, error, rejection.field, raw.topic, raw.partition, raw.offset, fingerprint(raw))


def fingerprint(raw: RawMessage) -> bytes:
    """What makes two dead letters the same message: source, Kafka position (if any) and the exact bytes."""
    position = json.dumps([raw.source, raw.topic, raw.partition, raw.offset]).encode()
    return hashlib.sha256(position + b"\n" + raw.data).digest()
