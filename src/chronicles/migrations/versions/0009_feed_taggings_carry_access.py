"""Feed taggings carry their entry's ``access_tags``: a feed search checks the viewer's access in the index.

A search by feed tags walks ``feed_taggings``' primary key ``(tag,
occurred_at, entry_id)`` newest first and, before this revision, fetched
every tagged entry to check the viewer's access: for a viewer who may see a
quarter of a feed's entries, four rows read from ``entries`` for each one
shown (at 30 M entries, most of them from disk). Each tagging now holds a
copy of its entry's access tags, in the primary key's index (``INCLUDE``),
so the walk skips what the viewer may not see and only the entries shown are
read. The writer and the re-tag keep the copy in step with the entry, in
the transaction that changes either.

The upgrade copies every entry's access tags onto its taggings (an update of
every feed tagging: 52 s at 1 M entries on a busy 2-core machine, most of an
hour at 30 M, during which writes wait) and rebuilds the primary key of every
month's partition. Then, committed, it builds the key again without the rows'
old versions, and vacuums the taggings: a walk reads the index alone only on pages
vacuum has marked all-visible, and until then a feed search would read a
table page for every tagging it passes (1,834 pages for a feed tag at 1 M
entries, 144 after the vacuum). Each step but the key's first build runs a
month at a time, well inside the migrations' 10-minute statement timeout;
that build, one statement over every month, gets an hour.

Expand-only: the release before this one reads and writes the same tables.
Its inserts leave the copy NULL, which a search reads as "unknown": it looks
that tagging's entry up to check the viewer's access, as every tagging was
before (a rolling deploy migrates first and replaces the consumer last).
The upgrade leaves no NULL behind, and this release's writers write none.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from servicekit.migrations import allow_statements_as_long_as_the_data

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PRIMARY_KEY = "pk_feed_taggings"
KEY = "tag, occurred_at, entry_id"
MONTHS = """
SELECT c.relname, e.relname, x.indexrelid::regclass::text
FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
LEFT JOIN pg_class AS e ON e.relname = 'entries' || substr(c.relname, length('feed_taggings') + 1)
LEFT JOIN pg_index AS x ON x.indrelid = c.oid AND x.indisprimary
WHERE i.inhparent = 'feed_taggings'::regclass ORDER BY 1
"""
# A month's taggings and the same month's entries: a join the planner does not have to prune.
COPY_ACCESS = """
UPDATE "{taggings}" AS t SET access_tags = e.access_tags
FROM "{entries}" AS e
WHERE e.id = t.entry_id AND e.occurred_at = t.occurred_at
"""


def upgrade() -> None:
    op.execute("ALTER TABLE feed_taggings ADD COLUMN access_tags text[]")
    op.execute(f"ALTER TABLE feed_taggings DROP CONSTRAINT {PRIMARY_KEY}")
    for taggings, entries, _ in _months():  # before the key is rebuilt: an update with no index to keep is cheaper
        op.execute(COPY_ACCESS.format(taggings=taggings, entries=entries or "entries"))
    # One statement builds every month's key: tens of millions of taggings may take more than the usual 10 min.
    allow_statements_as_long_as_the_data()
    op.execute(f"ALTER TABLE feed_taggings ADD CONSTRAINT {PRIMARY_KEY} PRIMARY KEY ({KEY}) INCLUDE (access_tags)")
    with op.get_context().autocommit_block():
        # Built in the transaction that updated every row, the key indexed both versions of each: half of
        # it is dead weight a vacuum empties but never gives back (394 MB instead of 257 MB at 1 M entries).
        for taggings, _, key in _months():
            op.execute(f"REINDEX INDEX {key}")
            op.execute(f'VACUUM ANALYZE "{taggings}"')
        op.execute("ANALYZE feed_taggings")


def downgrade() -> None:
    op.execute(f"ALTER TABLE feed_taggings DROP CONSTRAINT {PRIMARY_KEY}")
    op.execute("ALTER TABLE feed_taggings DROP COLUMN access_tags")
    op.execute(f"ALTER TABLE feed_taggings ADD CONSTRAINT {PRIMARY_KEY} PRIMARY KEY ({KEY})")


def _months() -> list[tuple[str, str | None, str | None]]:
    """Each month's feed taggings (DEFAULT too), its entries, and its primary key index."""
    return [(row[0], row[1], row[2]) for row in op.get_bind().execute(sa.text(MONTHS))]
