"""Revision 0007 drops the taggings' foreign keys and entry_id indexes, keeping every row; the downgrade restores."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from alembic import command

from chronicles.store.migrate import MIGRATIONS
from tests.chronicles.conftest import libpq
from tests.chronicles.store.test_partitions_migration import rows

ENTRIES = """
INSERT INTO entries (sequence_code, app, subject, subject_type, action, payload, occurred_at, feed_tags, access_tags)
SELECT gen_random_uuid(), 'practica', 'gid://practica/Lesson/' || n, 'Lesson', 'lesson.viewed',
       jsonb_build_object('n', n), timestamptz '2026-12-01' + n * interval '1 hour', ARRAY['news', 'n:' || n],
       ARRAY['org:1']
FROM generate_series(1, 50) AS n
"""
TAGGINGS = """
SELECT 'feed', tag, occurred_at, entry_id FROM feed_taggings
UNION ALL SELECT 'access', tag, occurred_at, entry_id FROM access_taggings ORDER BY 1, 4, 2
"""
FOREIGN_KEYS = """
SELECT conrelid::regclass::text FROM pg_constraint
WHERE contype = 'f' AND conparentid = 0 AND conrelid IN ('feed_taggings'::regclass, 'access_taggings'::regclass)
ORDER BY 1
"""
ENTRY_INDEXES = (
    "SELECT indexname FROM pg_indexes WHERE indexname IN ('ix_feed_taggings_entry', 'ix_access_taggings_entry')"
)


@pytest.fixture
def database_at_0006(clone_database: Callable[[str], str]) -> str:
    url = clone_database("template0")
    MIGRATIONS.upgrade(url, "0006")
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute(ENTRIES)
        conn.execute("INSERT INTO feed_taggings SELECT unnest(feed_tags), occurred_at, id FROM entries")
        conn.execute("INSERT INTO access_taggings SELECT unnest(access_tags), occurred_at, id FROM entries")
    return url


def test_upgrade_drops_the_keys_and_indexes_and_keeps_every_tagging(database_at_0006: str) -> None:
    before = rows(database_at_0006, TAGGINGS)
    assert rows(database_at_0006, FOREIGN_KEYS) == [("access_taggings",), ("feed_taggings",)]

    MIGRATIONS.upgrade(database_at_0006, "0007")

    assert rows(database_at_0006, TAGGINGS) == before
    assert len(before) == 150
    assert rows(database_at_0006, FOREIGN_KEYS) == []
    assert rows(database_at_0006, ENTRY_INDEXES) == []


def test_downgrade_restores_the_keys_and_indexes(database_at_0006: str) -> None:
    MIGRATIONS.upgrade(database_at_0006, "0007")

    command.downgrade(MIGRATIONS.config(database_at_0006), "0006")

    assert rows(database_at_0006, FOREIGN_KEYS) == [("access_taggings",), ("feed_taggings",)]
    assert sorted(rows(database_at_0006, ENTRY_INDEXES)) == [("ix_access_taggings_entry",), ("ix_feed_taggings_entry",)]
    with psycopg.connect(libpq(database_at_0006), autocommit=True) as conn:
        conn.execute("DELETE FROM entries WHERE subject = 'gid://practica/Lesson/1'")
    assert len(rows(database_at_0006, TAGGINGS)) == 147  # the cascade works again
