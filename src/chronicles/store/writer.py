"""Writing a batch of entries, their tags and the batch's dead letters in one transaction.

Entries go in with one ``INSERT … SELECT FROM unnest(…)`` per batch (arrays
are sent in binary, one round trip), ``ON CONFLICT (sequence_code) DO
NOTHING`` makes redelivery harmless, and only the rows actually inserted get
tagging rows. The caller owns the transaction: a Kafka consumer commits its
offsets only after it commits. The caller also decides the tags (the
Ingestor, with the tag rules): this module only writes what it is given.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import AsyncConnection, DatabaseError
from psycopg.types.json import Jsonb

from chronicles.contract.messages import EntryMessage

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
ON CONFLICT (sequence_code, occurred_at) DO NOTHING
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
# SQLSTATE classes that blame the data, not the database: data exception,
# integrity constraint violation, program limit exceeded.
DATA_REFUSED_CLASSES = frozenset({"22", "23", "54"})


@dataclass(frozen=True)
class NewEntry:
    """An entry to insert: the validated message, its identity and the tags the rules gave it."""

    sequence_code: uuid.UUID
    message: EntryMessage
    feed_tags: tuple[str, ...]
    access_tags: tuple[str, ...]


@dataclass(frozen=True)
class NewDeadLetter:
    """A message that could not be stored, as it arrived (bytes and position) with why."""

    source: str
    data: bytes
    error: str
    field: str | None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None


@dataclass(frozen=True)
class BatchResult:
    inserted: int
    duplicates: int
    dead_lettered: int


async def store_batch(
    conn: AsyncConnection, entries: Sequence[NewEntry], dead_letters: Sequence[NewDeadLetter]
) -> BatchResult:
    """Insert ``entries`` with their tags and keep ``dead_letters``."""
    inserted = await _insert_entries(conn, entries) if entries else 0
    if dead_letters:
        async with conn.cursor() as cursor:
            await cursor.executemany(INSERT_DEAD_LETTERS, [_dead_letter_row(letter) for letter in dead_letters])
    return BatchResult(inserted, len(entries) - inserted, len(dead_letters))


async def _insert_entries(conn: AsyncConnection, entries: Sequence[NewEntry]) -> int:
    async with conn.cursor() as cursor:
        await cursor.execute(INSERT_ENTRIES, _entry_columns(entries), prepare=False)
        inserted = {row[1]: row[0] for row in await cursor.fetchall()}
        for kind, statement in INSERT_TAGGINGS.items():
            rows = _tagging_rows(entries, inserted, kind)
            if rows["tag"]:
                await cursor.execute(statement, rows, prepare=False)
    return len(inserted)


def _entry_columns(entries: Sequence[NewEntry]) -> dict[str, list[object]]:
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
        "feed_tags": [SEPARATOR.join(entry.feed_tags) if entry.feed_tags else None for entry in entries],
        "access_tags": [SEPARATOR.join(entry.access_tags) if entry.access_tags else None for entry in entries],
    }


def _tagging_rows(entries: Sequence[NewEntry], inserted: dict[object, int], kind: str) -> dict[str, list[object]]:
    rows: dict[str, list[object]] = {"tag": [], "occurred_at": [], "entry_id": []}
    for entry in entries:
        entry_id = inserted.get(entry.sequence_code)
        if entry_id is None:
            continue
        for tag in entry.feed_tags if kind == "feed" else entry.access_tags:
            rows["tag"].append(tag)
            rows["occurred_at"].append(entry.message.occurred_at)
            rows["entry_id"].append(entry_id)
    return rows


def _dead_letter_row(letter: NewDeadLetter) -> tuple[object, ...]:
    return (
        letter.source,
        letter.data,
        letter.error,
        letter.field,
        letter.topic,
        letter.partition,
        letter.offset,
        fingerprint(letter),
    )


def fingerprint(letter: NewDeadLetter) -> bytes:
    """What makes two dead letters the same message: source, Kafka position (if any) and the exact bytes."""
    position = json.dumps([letter.source, letter.topic, letter.partition, letter.offset]).encode()
    return hashlib.sha256(position + b"\n" + letter.data).digest()


def refuses_the_data(error: DatabaseError, conn: AsyncConnection) -> bool:
    """Whether the database refused what it was sent (a NUL in a string), not failed on its own (down, busy)."""
    return not conn.broken and (error.sqlstate or "")[:2] in DATA_REFUSED_CLASSES
