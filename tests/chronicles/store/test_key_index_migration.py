"""Revision 0008 rebuilds the key indexes with the access tags included, on every month, and has months vacuumed
sooner; the downgrade restores both."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from alembic import command

from chronicles.store.migrate import MIGRATIONS
from tests.chronicles.conftest import libpq
from tests.chronicles.store.test_partitions_migration import rows
from tests.chronicles.store.test_taggings_migration import ENTRIES

KEY_INDEXES = ("ix_entries_subject", "ix_entries_performer", "ix_entries_action", "ix_entries_app_type")
DEFINITIONS = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'entries' ORDER BY 1"
# Each month's partition has its own index attached to each of the parent's.
INCLUDING_PER_MONTH = """
SELECT count(*) FROM pg_inherits AS i JOIN pg_index AS x ON x.indexrelid = i.inhrelid
WHERE i.inhparent = ANY(CAST('{ix_entries_subject,ix_entries_performer,ix_entries_action,ix_entries_app_type}'
                             AS regclass[])) AND x.indnatts > x.indnkeyatts
"""
MONTHS = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'entries'::regclass"
# Partitions of the three tables, and those of them that autovacuum after 1 % more rows.
VACUUMED_SOONER = """
SELECT count(*), count(*) FILTER (WHERE 'autovacuum_vacuum_insert_scale_factor=0.01' = ANY(c.reloptions))
FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
WHERE i.inhparent IN ('entries'::regclass, 'feed_taggings'::regclass, 'access_taggings'::regclass)
"""


@pytest.fixture
def database_at_0007(clone_database: Callable[[str], str]) -> str:
    url = clone_database("template0")
    MIGRATIONS.upgrade(url, "0007")
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute(ENTRIES)
    return url


def _definitions(url: str) -> dict[str, str]:
    return {name: definition for name, definition in rows(url, DEFINITIONS) if name in KEY_INDEXES}


def test_upgrade_includes_the_access_tags_in_each_key_index_of_every_month(database_at_0007: str) -> None:
    before = _definitions(database_at_0007)

    MIGRATIONS.upgrade(database_at_0007, "0008")

    after = _definitions(database_at_0007)
    assert after.keys() == before.keys() == set(KEY_INDEXES)
    for name, definition in after.items():
        assert " INCLUDE (access_tags)" in definition, definition
        assert definition.replace(" INCLUDE (access_tags)", "") == before[name]
    months = rows(database_at_0007, MONTHS)[0][0]
    assert months > 1
    assert rows(database_at_0007, INCLUDING_PER_MONTH) == [(4 * months,)]
    assert rows(database_at_0007, VACUUMED_SOONER) == [(3 * months, 3 * months)]
    assert rows(database_at_0007, "SELECT count(*) FROM entries WHERE subject = 'gid://practica/Lesson/7'") == [(1,)]


def test_downgrade_restores_the_indexes_as_they_were(database_at_0007: str) -> None:
    before = _definitions(database_at_0007)
    MIGRATIONS.upgrade(database_at_0007, "0008")

    command.downgrade(MIGRATIONS.config(database_at_0007), "0007")

    assert _definitions(database_at_0007) == before
    assert rows(database_at_0007, INCLUDING_PER_MONTH) == [(0,)]
    partitions = rows(database_at_0007, VACUUMED_SOONER)[0][0]
    assert rows(database_at_0007, VACUUMED_SOONER) == [(partitions, 0)]
