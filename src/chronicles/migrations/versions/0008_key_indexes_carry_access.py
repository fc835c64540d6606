"""The key indexes carry ``access_tags``: a search checks the viewer's access in the index, not in the row.

A search driven by subjects, performers, actions or (app, subject type)
walks that column's b-tree newest first and fetched every entry it found to
check the viewer's access tags, visible or not: for a viewer who may see a
quarter of an app's entries, four rows read from the table for each one
shown (at 30 M entries, most of them from disk). With ``access_tags`` in the
index (``INCLUDE``), the walk skips what the viewer may not see before any
row is fetched, and reads only the rows it shows.

Every month's partition (of the taggings too) gets autovacuum after 1 % more
rows instead of 20 %: the walk reads the index alone only on pages vacuum
has marked all-visible, and at 20 % a full month waits days for it. New
months get the same setting when they are made.

The indexes are rebuilt with the same names and keys (every month's
partition: minutes at tens of millions of entries, during which writes to
``entries`` wait). An update that changes an entry's access tags (a re-tag)
now writes index entries, where it was a HOT update before.

Expand-only: the release before this one reads and writes the same tables.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from servicekit.migrations import allow_statements_as_long_as_the_data

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KEY_INDEXES = {
    "ix_entries_subject": ("subject, occurred_at DESC, id DESC", ""),
    "ix_entries_performer": ("performer, occurred_at DESC, id DESC", " WHERE performer IS NOT NULL"),
    "ix_entries_action": ("action, occurred_at DESC, id DESC", ""),
    "ix_entries_app_type": ("app, subject_type, occurred_at DESC, id DESC", ""),
}


PARTITIONED = ("entries", "feed_taggings", "access_taggings")
VACUUM_AFTER_INSERTS = "autovacuum_vacuum_insert_scale_factor"
PARTITIONS_OF = """
SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
WHERE i.inhparent = CAST(:parent AS regclass) ORDER BY 1
"""


def upgrade() -> None:
    allow_statements_as_long_as_the_data()  # each CREATE INDEX reads every entry
    _rebuild(" INCLUDE (access_tags)")
    for partition in _partitions():
        op.execute(f'ALTER TABLE "{partition}" SET ({VACUUM_AFTER_INSERTS} = 0.01)')


def downgrade() -> None:
    allow_statements_as_long_as_the_data()
    _rebuild("")
    for partition in _partitions():
        op.execute(f'ALTER TABLE "{partition}" RESET ({VACUUM_AFTER_INSERTS})')


def _partitions() -> list[str]:
    bind = op.get_bind()
    return [name for table in PARTITIONED for (name,) in bind.execute(sa.text(PARTITIONS_OF), {"parent": table})]


def _rebuild(include: str) -> None:
    for name, (key, predicate) in KEY_INDEXES.items():
        op.execute(f"DROP INDEX {name}")
        op.execute(f"CREATE INDEX {name} ON entries ({key}){include}{predicate}")
