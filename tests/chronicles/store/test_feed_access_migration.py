"""Revision 0009 copies each entry's access tags onto its feed taggings, into the primary key's index of every
month; the downgrade drops the copy and keeps every tagging."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from alembic import command

import servicekit.migrations
from chronicles.store.migrate import MIGRATIONS
from tests.chronicles.conftest import libpq
from tests.chronicles.store.test_partitions_migration import rows
from tests.chronicles.store.test_taggings_migration import ENTRIES

# Feed taggings as the writer made them before revision 0009; one entry the viewer rules gave no access tag.
TAGGINGS_AT_0008 = """
UPDATE entries SET access_tags = '{}' WHERE subject = 'gid://practica/Lesson/49';
UPDATE entries SET access_tags = ARRAY['org:1', 'user:' || (payload->>'n')] WHERE (payload->>'n')::int % 2 = 0;
INSERT INTO feed_taggings (tag, occurred_at, entry_id) SELECT unnest(feed_tags), occurred_at, id FROM entries;
"""
COPIES = """
SELECT e.subject, t.tag, t.access_tags, e.access_tags FROM feed_taggings AS t
JOIN entries AS e ON e.id = t.entry_id AND e.occurred_at = t.occurred_at ORDER BY 1, 2
"""
KEYS = "SELECT tag, occurred_at, entry_id FROM feed_taggings ORDER BY 1, 2, 3"
# The primary key of the parent and of each month's partition, and those of them that include a column.
COVERING_KEYS = """
SELECT count(*), count(*) FILTER (WHERE x.indnatts > x.indnkeyatts)
FROM pg_index AS x JOIN pg_class AS c ON c.oid = x.indrelid
WHERE x.indisprimary AND c.relname LIKE 'feed_taggings%'
"""
# Pages of the months' taggings, and those vacuum marked all-visible (the walk reads only the index on them).
VISIBLE_PAGES = """
SELECT sum(c.relpages), sum(c.relallvisible) FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
WHERE i.inhparent = 'feed_taggings'::regclass
"""
MONTHS = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'feed_taggings'::regclass"


@pytest.fixture
def database_at_0008(clone_database: Callable[[str], str]) -> str:
    url = clone_database("template0")
    MIGRATIONS.upgrade(url, "0008")
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute(ENTRIES)
        conn.execute(TAGGINGS_AT_0008)
    return url


def test_upgrade_gives_every_feed_tagging_its_entrys_access_tags_in_the_primary_key(database_at_0008: str) -> None:
    keys = rows(database_at_0008, KEYS)

    MIGRATIONS.upgrade(database_at_0008, "0009")

    copies = rows(database_at_0008, COPIES)
    assert len(copies) == len(keys) == 100
    assert all(copy == accessed for _, _, copy, accessed in copies), copies
    expected = {f"gid://practica/Lesson/{n}": ["org:1", f"user:{n}"] for n in range(2, 51, 2)}
    expected |= {f"gid://practica/Lesson/{n}": ["org:1"] for n in range(1, 49, 2)} | {"gid://practica/Lesson/49": []}
    assert {subject: copy for subject, _, copy, _ in copies} == expected
    assert rows(database_at_0008, KEYS) == keys
    months = rows(database_at_0008, MONTHS)[0][0]
    assert months > 1
    assert rows(database_at_0008, COVERING_KEYS) == [(months + 1, months + 1)]
    pages, visible = rows(database_at_0008, VISIBLE_PAGES)[0]
    assert pages > 0
    assert visible == pages
    # The release before still inserts taggings as it did: their copy is NULL ("unknown"), not "no access".
    older_writer = "INSERT INTO feed_taggings (tag, occurred_at, entry_id) SELECT 'older', occurred_at, id FROM entries"
    with psycopg.connect(libpq(database_at_0008), autocommit=True) as conn:
        conn.execute(older_writer)
    assert rows(database_at_0008, "SELECT count(*) FROM feed_taggings WHERE access_tags IS NULL") == [(50,)]


KEY_PAGES = """
SELECT sum(pg_relation_size(x.indexrelid)) FROM pg_index AS x JOIN pg_class AS c ON c.oid = x.indrelid
WHERE x.indisprimary AND c.relname LIKE 'feed_taggings%'
"""
BUSY_MONTH = """
INSERT INTO entries (sequence_code, app, subject, subject_type, action, payload, occurred_at, feed_tags, access_tags)
SELECT gen_random_uuid(), 'practica', 'gid://practica/Lesson/' || n, 'Lesson', 'lesson.viewed', '{}',
       timestamptz '2026-11-01' + n * interval '1 second', ARRAY['news', 'n:' || n], ARRAY['org:1', 'user:' || n]
FROM generate_series(1, 5000) AS n;
INSERT INTO feed_taggings (tag, occurred_at, entry_id)
SELECT unnest(feed_tags), occurred_at, id FROM entries WHERE occurred_at >= '2026-11-01' AND occurred_at < '2026-12-01';
"""


def test_the_upgraded_primary_key_is_as_small_as_one_built_afresh(database_at_0008: str) -> None:
    with psycopg.connect(libpq(database_at_0008), autocommit=True) as conn:
        conn.execute(BUSY_MONTH)

    MIGRATIONS.upgrade(database_at_0008, "0009")

    upgraded = rows(database_at_0008, KEY_PAGES)[0][0]
    with psycopg.connect(libpq(database_at_0008), autocommit=True) as conn:
        conn.execute("REINDEX TABLE feed_taggings")
    assert upgraded == rows(database_at_0008, KEY_PAGES)[0][0]


def test_downgrade_drops_the_copy_and_keeps_every_tagging(database_at_0008: str) -> None:
    keys = rows(database_at_0008, KEYS)
    MIGRATIONS.upgrade(database_at_0008, "0009")

    command.downgrade(MIGRATIONS.config(database_at_0008), "0008")

    assert rows(database_at_0008, KEYS) == keys
    columns = "SELECT column_name FROM information_schema.columns WHERE table_name = 'feed_taggings' ORDER BY 1"
    assert rows(database_at_0008, columns) == [("entry_id",), ("occurred_at",), ("tag",)]
    months = rows(database_at_0008, MONTHS)[0][0]
    assert rows(database_at_0008, COVERING_KEYS) == [(months + 1, 0)]


# Revision 0005 under a cut statement timeout. It lives here, not beside 0005's other tests, because its long
# transaction, open beside this file's REINDEX, would keep that key's dead row versions (CI runs a file's tests
# on one worker, one after the other).
MANY_ENTRIES = 300_000
MANY = """
INSERT INTO entries (sequence_code, app, subject, subject_type, action, payload, occurred_at)
SELECT gen_random_uuid(), 'practica', 'gid://practica/Lesson/' || n, 'Lesson', 'lesson.viewed',
       jsonb_build_object('n', n), timestamptz '2024-01-01' + n * interval '1 minute'
FROM generate_series(1, %s) AS n
"""


def test_the_0005_copy_is_not_cut_short_by_the_migrations_statement_timeout(
    clone_database: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 30 M entries the copy takes far longer than a migration's usual statement timeout (10 min): the
    revision gives its statements the longer timeout of those that touch every row. Here the usual timeout
    is 1 s, and the 300,000 entries' copy takes longer than that."""
    url = clone_database("template0")
    MIGRATIONS.upgrade(url, "0004")
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute(MANY, (MANY_ENTRIES,))
    monkeypatch.setattr(servicekit.migrations, "STATEMENT_TIMEOUT", "1s")

    MIGRATIONS.upgrade(url, "0005")

    assert rows(url, "SELECT count(*) FROM entries") == [(MANY_ENTRIES,)]
    command.downgrade(MIGRATIONS.config(url), "0004")
    assert rows(url, "SELECT relkind::text FROM pg_class WHERE relname = 'entries'") == [("r",)]
