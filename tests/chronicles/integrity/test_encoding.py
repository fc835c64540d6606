"""The canonical encoding: the database's digest is the reference definition's, on awkward values; tags are left out."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from chronicles.integrity.encoding import ENTRY_DIGEST_SQL, StoredEntry, day_head, entry_digest, genesis

AWKWARD: list[dict[str, Any]] = [
    {"app": "forum", "subject": "gid://forum/Post/ünï ✓", "performer": None, "payload": {}},
    {"app": "practica", "subject": "", "performer": "", "payload": {"b": [1, 2.50, None], "a": {"z": '\u00e9\n\t"'}}},
    {"app": "x" * 300, "subject": "s", "performer": "p", "payload": {"n": 10**20, "s": "𝄞"}},
]
MOMENTS = [
    datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(2026, 3, 1, 12, 0, 0, 1, tzinfo=timezone(timedelta(hours=5))),
    datetime(2040, 1, 1, tzinfo=UTC),
]
STORED = f"""
SELECT id, sequence_code, app, subject, subject_type, action, performer, payload::text, occurred_at, recorded_at,
       {ENTRY_DIGEST_SQL}
FROM entries ORDER BY id
"""  # noqa: S608


def test_the_database_computes_the_reference_digest(db: Any) -> None:
    db.execute("SET TIME ZONE 'America/Caracas'")  # the session's zone plays no part
    for fields, moment in zip(AWKWARD, MOMENTS, strict=True):
        db.execute(
            "INSERT INTO entries (sequence_code, app, subject, subject_type, action, performer, payload, "
            "occurred_at, recorded_at) VALUES (gen_random_uuid(), %s, %s, 'Type', 'act.ion', %s, %s, %s, %s)",
            (fields["app"], fields["subject"], fields["performer"], json.dumps(fields["payload"]), moment, moment),
        )
    rows = db.execute(STORED).fetchall()
    assert len(rows) == len(AWKWARD)
    for *columns, digest in rows:
        assert digest == entry_digest(StoredEntry(*columns))


def test_tags_are_not_hashed_and_every_immutable_field_is(db: Any) -> None:
    db.execute(
        "INSERT INTO entries (sequence_code, app, subject, subject_type, action, performer, payload, occurred_at) "
        "VALUES (gen_random_uuid(), 'forum', 's', 't', 'a', 'p', '{\"k\": 1}', now())"
    )
    original = db.execute(STORED).fetchone()[-1]
    db.execute("UPDATE entries SET feed_tags = '{x}', access_tags = '{y}'")
    assert db.execute(STORED).fetchone()[-1] == original
    changes = [
        "sequence_code = gen_random_uuid()", "app = 'forun'", "subject = 's2'", "subject_type = 'u'", "action = 'b'",
        "performer = NULL", "payload = '{\"k\": 2}'", "occurred_at = occurred_at + interval '1 microsecond'",
        "recorded_at = recorded_at - interval '1 microsecond'",
    ]  # fmt: skip
    for change in changes:
        with db.transaction(force_rollback=True):
            db.execute(f"UPDATE entries SET {change}")  # noqa: S608  (constants above)
            assert db.execute(STORED).fetchone()[-1] != original, change


def test_the_encoding_is_the_documented_bytes() -> None:
    """Written out by hand: changing the encoding would fail every seal ever written."""
    moment = datetime(2026, 3, 1, 12, 30, 0, 250_000, tzinfo=UTC)
    entry = StoredEntry(
        42, uuid.UUID(int=7), "forum", "gid://forum/Post/1", "Post", "post.created", None, '{"a": 1}', moment, moment
    )
    micros = (1_772_368_200_250_000).to_bytes(8, "big")
    expected = (
        b"\x01" + (42).to_bytes(8, "big") + (7).to_bytes(16, "big")
        + b"\x00\x00\x00\x05forum" + b"\x00\x00\x00\x12gid://forum/Post/1" + b"\x00\x00\x00\x04Post"
        + b"\x00\x00\x00\x0cpost.created" + b"\xff\xff\xff\xff" + b'\x00\x00\x00\x08{"a": 1}' + micros + micros
    )  # fmt: skip
    assert entry_digest(entry) == hashlib.sha256(expected).digest()
    start = hashlib.sha256(b"chronicles.chain.v1\x00\x00\x00\x00\x05forum").digest()
    assert genesis("forum") == start
    header = b"chronicles.chain.v1\x00" + start + b"\x00\x00\x00\x05forum" + (20_513).to_bytes(4, "big")
    assert (
        day_head(start, "forum", moment.date(), 1, entry_digest(entry))
        == hashlib.sha256(header + (1).to_bytes(8, "big") + entry_digest(entry)).digest()
    )
