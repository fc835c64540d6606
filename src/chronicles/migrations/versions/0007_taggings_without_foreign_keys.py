"""Taggings without foreign keys: the writer's cost per entry, not a guarantee anybody reads.

Every tagging row is written in the statement that inserts its entry (or by
a re-tag, which updates the entry's tag arrays in the same transaction), so
the foreign key to ``entries`` only checked what the writer had just done:
one lookup and one row lock on ``entries`` per tagging row, about a quarter
of PostgreSQL's time per ingested entry. The ``entry_id`` indexes served
only the cascade of a deleted entry to its taggings; deletions (retention of
one app in a shared month) now remove the taggings through their primary
key, from the tag arrays the deleted entry carries. A month is still dropped
with its taggings' partitions.

Expand-only: the release before this one writes and deletes the same way
(its cascade finds nothing left to delete once the new release deletes
taggings itself).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TAGGING_TABLES = ("feed_taggings", "access_taggings")


def upgrade() -> None:
    for table in TAGGING_TABLES:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT fk_{table}_entry_id_entries")
        op.execute(f"DROP INDEX ix_{table}_entry")


def downgrade() -> None:
    for table in TAGGING_TABLES:
        op.execute(f"CREATE INDEX ix_{table}_entry ON {table} (entry_id)")
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT fk_{table}_entry_id_entries FOREIGN KEY (entry_id, occurred_at)"
            " REFERENCES entries (id, occurred_at) ON DELETE CASCADE"
        )
