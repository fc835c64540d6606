"""Writing a batch of entries, their tags and the batch's dead letters in one transaction.

Entries are streamed with ``COPY … FROM STDIN`` (text format, one buffer per
batch) into a temporary staging table of the session, then one statement
moves them into ``entries`` (``ON CONFLICT`` :data:`ENTRY_KEY` ``DO
NOTHING``: redelivery is harmless) and derives the taggings of the rows it
actually inserted from their tag arrays, server-side (plain inserts: the rows
are new and the rule book gives each tag once, so a conflict check would
only cost a sixth of PostgreSQL's time per entry): two round trips per
batch whatever its size, and no per-value adaptation in Python (the binary
array dumpers of ``unnest`` were a fifth of the consumer's time). The caller
owns the transaction: a Kafka consumer commits its offsets only after it
commits. The caller also decides the tags (the Ingestor, with the tag rules):
this module only writes what it is given.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from psycopg import AsyncConnection, DatabaseError

# What makes two entries the same entry: the ON CONFLICT target of every write.
ENTRY_KEY = "(sequence_code, occurred_at)"  # a partitioned table's unique key holds its partition key

# One per session; ON COMMIT DELETE ROWS empties it cheaply (a truncate, no catalog change), and the
# move below deletes what it reads, so a batch never sees another's rows even within one transaction
# (a re-drive stores letter after letter under savepoints of one transaction).
CREATE_STAGING = """
CREATE TEMPORARY TABLE IF NOT EXISTS entries_staging (
    sequence_code uuid, app text, subject text, subject_type text, action text, performer text,
    payload jsonb, occurred_at timestamptz, feed_tags text, access_tags text
) ON COMMIT DELETE ROWS
"""
COPY_STAGING = "COPY pg_temp.entries_staging FROM STDIN"
MOVE_STAGED = f"""
WITH staged AS (DELETE FROM pg_temp.entries_staging RETURNING *),
inserted AS (
    INSERT INTO entries (sequence_code, app, subject, subject_type, action, performer, payload,
                         occurred_at, feed_tags, access_tags)
    SELECT sequence_code, app, subject, subject_type, action, performer, payload, occurred_at,
           coalesce(string_to_array(feed_tags, E'\\x1f'), '{{}}'),
           coalesce(string_to_array(access_tags, E'\\x1f'), '{{}}')
    FROM staged
    ON CONFLICT {ENTRY_KEY} DO NOTHING
    RETURNING id, occurred_at, feed_tags, access_tags
),
feed AS (
    INSERT INTO feed_taggings (tag, occurred_at, entry_id, access_tags)
    SELECT tag, occurred_at, id, access_tags FROM inserted, unnest(feed_tags) AS tag
),
access AS (
    INSERT INTO access_taggings (tag, occurred_at, entry_id)
    SELECT tag, occurred_at, id FROM inserted, unnest(access_tags) AS tag
)
SELECT count(*) FROM inserted
"""  # noqa: S608 (ENTRY_KEY is a constant of this module)

# Taggings given as arrays (a re-tag's additions, :mod:`chronicles.rules.retag`); a feed tagging copies its
# entry's access tags as they are in this transaction.
INSERT_TAGGINGS = {
    "feed": """
INSERT INTO feed_taggings (tag, occurred_at, entry_id, access_tags)
SELECT d.tag, d.occurred_at, d.entry_id, e.access_tags
FROM unnest(%(tag)s::text[], %(occurred_at)s::timestamptz[], %(entry_id)s::bigint[]) AS d(tag, occurred_at, entry_id)
JOIN entries AS e ON e.id = d.entry_id AND e.occurred_at = d.occurred_at
ON CONFLICT DO NOTHING
""",
    "access": """
INSERT INTO access_taggings (tag, occurred_at, entry_id)
SELECT * FROM unnest(%(tag)s::text[], %(occurred_at)s::timestamptz[], %(entry_id)s::bigint[])
ON CONFLICT DO NOTHING
""",
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
# rendered tags never contain): COPY has no cheap text form for a text[] of any content.
SEPARATOR = "\x1f"
# SQLSTATE classes that blame the data, not the database: data exception,
# integrity constraint violation, program limit exceeded.
DATA_REFUSED_CLASSES = frozenset({"22", "23", "54"})
# COPY's text format: these characters must be escaped in a value; NULL is \N.
_COPY_SPECIAL = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"
_COLUMNS = 10


class NewEntry(NamedTuple):
    """An entry to insert, as text: each field already valid for its column, the tags the rules gave it.

    ``payload`` is the payload's JSON text, ``occurred_at`` an ISO 8601 time with its offset; each tag
    is named once in its tuple (a second one would be refused as a duplicate tagging).
    """

    sequence_code: str
    app: str
    subject: str
    subject_type: str
    action: str
    performer: str | None
    payload: str
    occurred_at: str
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
        await cursor.execute(CREATE_STAGING, prepare=False)
        async with cursor.copy(COPY_STAGING) as copy:
            await copy.write(copy_text(entries))
        await cursor.execute(MOVE_STAGED, prepare=False)
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


def copy_text(entries: Iterable[NewEntry]) -> str:
    """The entries as COPY text: one line each, tab-separated, tags joined by :data:`SEPARATOR`."""
    return "".join([_copy_line(entry) for entry in entries])


def _copy_line(entry: NewEntry) -> str:
    performer, feed, access = entry.performer, entry.feed_tags, entry.access_tags
    line = "\t".join(
        (
            entry.sequence_code,
            entry.app,
            entry.subject,
            entry.subject_type,
            entry.action,
            NULL if performer is None else performer,
            entry.payload,
            entry.occurred_at,
            SEPARATOR.join(feed) if feed else NULL,
            SEPARATOR.join(access) if access else NULL,
        )
    )
    # Validated fields never hold a tab, a line break or a backslash; payloads and tags rarely do. So the
    # line is checked once (its only backslashes must be its NULLs' and its only tabs the separators).
    nulls = (performer is None) + (not feed) + (not access)
    if line.count("\\") != nulls or line.count("\t") != _COLUMNS - 1 or "\n" in line or "\r" in line:
        return _escaped_line(entry)
    return line + "\n"


def _escaped_line(entry: NewEntry) -> str:
    values = [
        entry.sequence_code,
        entry.app,
        entry.subject,
        entry.subject_type,
        entry.action,
        entry.performer,
        entry.payload,
        entry.occurred_at,
        SEPARATOR.join(entry.feed_tags) if entry.feed_tags else None,
        SEPARATOR.join(entry.access_tags) if entry.access_tags else None,
    ]
    return "\t".join(NULL if value is None else value.translate(_COPY_SPECIAL) for value in values) + "\n"


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
