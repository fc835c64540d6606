"""The canonical bytes of an entry, its digest, and the head of a sealed day.

An entry's digest is SHA-256 over its immutable fields as stored, each in a
fixed binary form (integers big-endian, texts as UTF-8 with a 4-byte length,
timestamps as microseconds since the Unix epoch, the payload as PostgreSQL's
``jsonb`` text, which is canonical: sorted keys, fixed spacing). Tags are left
out: backfills legitimately re-tag entries. The database computes it
(:data:`ENTRY_DIGEST_SQL`), so verifying 1 M entries sends 40 bytes per entry,
not the entries; :func:`entry_digest` is the same definition in Python, which
the tests hold the SQL to.

A day's head chains it to the app's previous sealed day:
``sha256(MAGIC || previous head || app || day || count || digest_1 … digest_n)`` (the day as
int4 days since 1970-01-01, the count as int8)
with the digests in id order, so altering, removing, adding or reordering any
sealed entry, or removing a whole sealed day, changes every later head.
"""

from __future__ import annotations

import hashlib
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

VERSION = b"\x01"
MAGIC = b"chronicles.chain.v1\x00"
SHORT = 8  # bytes of each entry's digest kept in the seal, to name the entry that differs
NULL_TEXT = b"\xff\xff\xff\xff"  # the length of a missing text (performer): no real text is 4 GiB
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _text_sql(column: str) -> str:
    encoded = f"convert_to({column}, 'UTF8')"
    return f"int4send(length({encoded})) || {encoded}"


def _micros_sql(column: str) -> str:
    return f"int8send((extract(epoch FROM {column}) * 1000000)::int8)"


ENTRY_DIGEST_SQL = (
    "sha256('\\x01'::bytea || int8send(id) || uuid_send(sequence_code) || "
    + " || ".join(_text_sql(column) for column in ("app", "subject", "subject_type", "action"))
    + f" || coalesce({_text_sql('performer')}, '\\xffffffff'::bytea)"
    + f" || {_text_sql('payload::text')} || {_micros_sql('occurred_at')} || {_micros_sql('recorded_at')})"
)


@dataclass(frozen=True)
class StoredEntry:
    """The hashed fields of an entry, as the database holds them (``payload`` is ``payload::text``)."""

    id: int
    sequence_code: uuid.UUID
    app: str
    subject: str
    subject_type: str
    action: str
    performer: str | None
    payload: str
    occurred_at: datetime
    recorded_at: datetime


def entry_digest(entry: StoredEntry) -> bytes:
    """The reference definition of :data:`ENTRY_DIGEST_SQL`."""
    texts = (entry.app, entry.subject, entry.subject_type, entry.action)
    parts = [
        VERSION,
        entry.id.to_bytes(8, "big", signed=True),
        entry.sequence_code.bytes,
        *(_text(value) for value in texts),
        NULL_TEXT if entry.performer is None else _text(entry.performer),
        _text(entry.payload),
        _micros(entry.occurred_at),
        _micros(entry.recorded_at),
    ]
    return hashlib.sha256(b"".join(parts)).digest()


def _text(value: str) -> bytes:
    encoded = value.encode()
    return len(encoded).to_bytes(4, "big") + encoded


def _micros(moment: datetime) -> bytes:
    return ((moment - EPOCH) // _MICROSECOND).to_bytes(8, "big", signed=True)


def genesis(app: str) -> bytes:
    """The head an app's chain starts from when no earlier day was sealed (or forgotten)."""
    return hashlib.sha256(MAGIC + _text(app)).digest()


def day_head(previous: bytes, app: str, day: date, count: int, digests: bytes) -> bytes:
    """The head of ``app``'s ``day``: chained to ``previous`` and over every digest (32 bytes each, id order)."""
    unix_day = (day - EPOCH.date()).days
    header = MAGIC + previous + _text(app) + unix_day.to_bytes(4, "big", signed=True) + count.to_bytes(8, "big")
    return hashlib.sha256(header + digests).digest()


def pack_ids(deltas: bytes) -> bytes:
    """Store ids as big-endian 8-byte differences (mostly tiny), compressed."""
    return zlib.compress(deltas, 6)


def unpack_deltas(packed: bytes) -> bytes:
    return zlib.decompress(packed)


def ids_from_deltas(deltas: bytes) -> list[int]:
    """The ids of a day from their big-endian differences (the first is from 0)."""
    steps = (int.from_bytes(deltas[i : i + 8], "big", signed=True) for i in range(0, len(deltas), 8))
    return list(accumulate(steps))
