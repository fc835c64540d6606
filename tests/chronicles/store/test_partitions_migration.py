"""Revision 0005 converts a database of revision 0004: every row and id, the sequence, the indexes, the keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from alembic import command

from chronicles.store.migrate import MIGRATIONS
from tests.chronicles.conftest import libpq

ENTRIES = """
INSERT INTO entries (sequence_code, app, subject, subject_type, action, performer, payload, occurred_at, feed_tags)
SELECT gen_random_uuid(), 'practica', 'gid://practica/Lesson/' || n, 'Lesson', 'lesson.viewed', NULL,
       jsonb_build_object('n', n), timestamptz '2024-01-01' + n * interval '2 days', ARRAY['news', 'n:' || n]
FROM generate_series(1, 200) AS n
"""
SNAPSHOT = {
    "entries": "SELECT id, sequence_code, subject, payload, occurred_at, feed_tags FROM entries ORDER BY id",
    "feed_taggings": "SELECT tag, occurred_at, entry_id FROM feed_taggings ORDER BY entry_id, tag",
}
INDEXES = """
SELECT indexname, regexp_replace(indexdef, ' ON (ONLY )?public\\.entries', ' ON entries') FROM pg_indexes
WHERE tablename = 'entries' ORDER BY 1
"""
FOREIGN_KEYS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE contype = 'f' AND conparentid = 0 AND conrelid IN ('feed_taggings'::regclass, 'access_taggings'::regclass)
ORDER BY 1
"""


@pytest.fixture
def database_at_0004(clone_database: Callable[[str], str]) -> str:
    url = clone_database("template0")
    MIGRATIONS.upgrade(url, "0004")
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute(ENTRIES)
        conn.execute("INSERT INTO feed_taggings SELECT unnest(feed_tags), occurred_at, id FROM entries")
        conn.execute("DELETE FROM entries WHERE id % 10 = 0")  # ids with gaps
        conn.execute("SELECT setval('entries_id_seq', 250)")
    return url


def rows(url: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq(url)) as conn:
        return conn.execute(query).fetchall()


def test_upgrade_keeps_rows_ids_sequence_indexes_and_keys(database_at_0004: str) -> None:
    before = {table: rows(database_at_0004, query) for table, query in SNAPSHOT.items()}
    indexes_before = rows(database_at_0004, INDEXES)

    MIGRATIONS.upgrade(database_at_0004, "0005")

    assert {table: rows(database_at_0004, query) for table, query in SNAPSHOT.items()} == before
    assert rows(database_at_0004, "SELECT last_value FROM entries_id_seq") == [(250,)]
    indexes = dict(rows(database_at_0004, INDEXES))
    for name, definition in indexes_before:
        if name.startswith("ix_"):
            assert indexes[name] == definition
    assert "(id, occurred_at)" in indexes["pk_entries"]
    assert "(sequence_code, occurred_at)" in indexes["uq_entries_sequence_code"]
    assert rows(database_at_0004, FOREIGN_KEYS) == [
        (f"fk_{table}_entry_id_entries", "FOREIGN KEY (entry_id, occurred_at) REFERENCES entries(id, occurred_at)"
         " ON DELETE CASCADE")
        for table in ("access_taggings", "feed_taggings")
    ]  # fmt: skip
    spread = rows(database_at_0004, "SELECT tableoid::regclass::text, count(*) FROM entries GROUP BY 1 ORDER BY 1")
    assert spread[0] == ("entries_p2024_01", 14)
    assert len([name for name, _ in spread if name.startswith("entries_p2024")]) == 12


def test_new_entries_continue_the_sequence_and_downgrade_restores_plain_tables(database_at_0004: str) -> None:
    MIGRATIONS.upgrade(database_at_0004, "0005")
    with psycopg.connect(libpq(database_at_0004), autocommit=True) as conn:
        new = conn.execute(
            "INSERT INTO entries (sequence_code, app, subject, subject_type, action, payload, occurred_at)"
            " VALUES (gen_random_uuid(), 'practica', 's', 'Lesson', 'a.b', '{}', now()) RETURNING id"
        ).fetchone()
    assert new == (251,)
    snapshot = {table: rows(database_at_0004, query) for table, query in SNAPSHOT.items()}

    command.downgrade(MIGRATIONS.config(database_at_0004), "0004")

    assert {table: rows(database_at_0004, query) for table, query in SNAPSHOT.items()} == snapshot
    assert rows(database_at_0004, "SELECT relkind::text FROM pg_class WHERE relname = 'entries'") == [("r",)]
    assert rows(database_at_0004, "SELECT last_value FROM entries_id_seq") == [(251,)]
