"""Monthly partitions: entries, feed_taggings and access_taggings partitioned by range of occurred_at.

A partitioned table's keys must hold its partition key, so the primary key
of entries becomes ``(id, occurred_at)``, the unique key
``(sequence_code, occurred_at)`` (an identical message sent again is still a
duplicate; the same code with another time is a second entry), and the
taggings refer to their entry by ``(entry_id, occurred_at)``: a tagging sits
in its entry's month, and a month is dropped with its taggings. Each tagging
table gets an index on ``entry_id`` so that deleting an entry (retention of
one app in a month shared with others) finds its taggings by index.

The conversion copies every row (ids kept, the identity sequence set where it
was), one partition per month that holds entries and per month from this
one to three ahead, and a DEFAULT partition for anything outside. The
indexes of revision 0001 are rebuilt with the same names and columns, as
partitioned indexes, after the copy. The downgrade copies back into plain
tables (it fails if one sequence_code was stored at two times).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from servicekit.migrations import allow_statements_as_long_as_the_data

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None
# Not expand-only: the tables are rebuilt (renamed, copied, dropped) and the unique key changes, so a release
# of revision 0004 cannot write entries into them (its ON CONFLICT (sequence_code) names no unique index any
# more). Stop the old release's intake and consumers for the upgrade; going back means `alembic downgrade 0004`.
contract_step_of = "0004"

TABLES = ("entries", "feed_taggings", "access_taggings")
MONTHS_AHEAD = 3
ENTRY_COLUMNS = (
    "id, sequence_code, app, subject, subject_type, action, performer, payload, occurred_at, recorded_at,"
    " feed_tags, access_tags"
)
TAGGING_COLUMNS = "tag, occurred_at, entry_id"
ENTRIES = """
CREATE TABLE entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    sequence_code UUID NOT NULL,
    app TEXT NOT NULL,
    subject TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    action TEXT NOT NULL,
    performer TEXT,
    payload JSONB NOT NULL,
    occurred_at TIMESTAMP WITH TIME ZONE NOT NULL,
    recorded_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    feed_tags TEXT[] DEFAULT '{{}}' NOT NULL,
    access_tags TEXT[] DEFAULT '{{}}' NOT NULL,
    CONSTRAINT pk_entries PRIMARY KEY ({primary_key}),
    CONSTRAINT uq_entries_sequence_code UNIQUE ({unique_key})
){partitioning}
"""
TAGGINGS = """
CREATE TABLE {table} (
    tag TEXT NOT NULL,
    occurred_at TIMESTAMP WITH TIME ZONE NOT NULL,
    entry_id BIGINT NOT NULL,
    CONSTRAINT pk_{table} PRIMARY KEY (tag, occurred_at, entry_id)
){partitioning}
"""
PARTITIONING = " PARTITION BY RANGE (occurred_at)"
ENTRY_INDEXES = (
    "CREATE INDEX ix_entries_action ON entries (action, occurred_at DESC, id DESC)",
    "CREATE INDEX ix_entries_app_type ON entries (app, subject_type, occurred_at DESC, id DESC)",
    "CREATE INDEX ix_entries_occurred ON entries (occurred_at DESC, id DESC)",
    "CREATE INDEX ix_entries_payload ON entries USING gin (payload jsonb_path_ops)",
    "CREATE INDEX ix_entries_performer ON entries (performer, occurred_at DESC, id DESC) WHERE performer IS NOT NULL",
    "CREATE INDEX ix_entries_recorded ON entries USING brin (recorded_at)",
    "CREATE INDEX ix_entries_subject ON entries (subject, occurred_at DESC, id DESC)",
)
# Distinct months of the entries, one index probe each (a loose scan of ix_entries_occurred).
MONTHS_WITH_ENTRIES = """
WITH RECURSIVE months(month) AS (
    SELECT date_trunc('month', min(occurred_at), 'UTC') FROM {table}
    UNION ALL
    SELECT (SELECT date_trunc('month', min(occurred_at), 'UTC') FROM {table}
            WHERE occurred_at >= months.month + interval '1 month')
    FROM months WHERE months.month IS NOT NULL
)
SELECT month FROM months WHERE month IS NOT NULL
"""


PARTITIONS_OF = """
SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
WHERE i.inhparent = CAST(:parent AS regclass)
"""


def upgrade() -> None:
    allow_statements_as_long_as_the_data()  # one INSERT per table copies every row
    months = _months_of_entries("entries") | _months_ahead()
    _set_aside_old_tables("0004", partitioned=False)
    op.execute(
        ENTRIES.format(
            primary_key="id, occurred_at", unique_key="sequence_code, occurred_at", partitioning=PARTITIONING
        )
    )
    for table in TABLES[1:]:
        op.execute(TAGGINGS.format(table=table, partitioning=PARTITIONING))
    for table in TABLES:
        op.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
        for month in sorted(months):
            op.execute(_partition_of(table, month))
    _copy_rows("0004")
    _index_and_refer(entry_key="entry_id, occurred_at", referenced="id, occurred_at")
    for table in TABLES[1:]:
        op.execute(f"CREATE INDEX ix_{table}_entry ON {table} (entry_id)")
    _drop_old_tables("0004")


def downgrade() -> None:
    allow_statements_as_long_as_the_data()
    _set_aside_old_tables("0005", partitioned=True)
    op.execute(ENTRIES.format(primary_key="id", unique_key="sequence_code", partitioning=""))
    for table in TABLES[1:]:
        op.execute(TAGGINGS.format(table=table, partitioning=""))
    _copy_rows("0005")
    _index_and_refer(entry_key="entry_id", referenced="id")
    _drop_old_tables("0005")


def _months_of_entries(table: str) -> set[datetime]:
    rows = op.get_bind().execute(sa.text(MONTHS_WITH_ENTRIES.format(table=table)))
    return {month.astimezone(UTC) for (month,) in rows}


def _months_ahead() -> set[datetime]:
    now = datetime.now(UTC)
    return {_add_months(datetime(now.year, now.month, 1, tzinfo=UTC), ahead) for ahead in range(MONTHS_AHEAD + 1)}


def _add_months(month: datetime, count: int) -> datetime:
    index = month.year * 12 + month.month - 1 + count
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def _partition_of(table: str, month: datetime) -> str:
    name = f"{table}_p{month.year:04d}_{month.month:02d}"
    bounds = f"FROM ('{month.isoformat()}') TO ('{_add_months(month, 1).isoformat()}')"
    return f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES {bounds}"


def _set_aside_old_tables(suffix: str, *, partitioned: bool) -> None:
    """Rename the current tables (and the identity sequence) out of the way, freeing every name."""
    for table in TABLES[1:]:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT fk_{table}_entry_id_entries")
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_entry")
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}")
    op.execute("ALTER TABLE entries DROP CONSTRAINT uq_entries_sequence_code")
    op.execute("ALTER TABLE entries DROP CONSTRAINT pk_entries")
    for index in ENTRY_INDEXES:
        op.execute(f"DROP INDEX {index.split()[2]}")
    op.execute("ALTER SEQUENCE entries_id_seq RENAME TO entries_id_seq_" + suffix)
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} RENAME TO {table}_{suffix}")
        if partitioned:
            _rename_partitions(table, suffix)


def _rename_partitions(table: str, suffix: str) -> None:
    rows = op.get_bind().execute(sa.text(PARTITIONS_OF), {"parent": f"{table}_{suffix}"})
    for (name,) in rows.all():
        op.execute(f'ALTER TABLE "{name}" RENAME TO "{name}_{suffix}"')


def _copy_rows(suffix: str) -> None:
    """Every row, ids included; the identity sequence continues where it was (names are this module's)."""
    copy_entries = f"INSERT INTO entries ({ENTRY_COLUMNS}) OVERRIDING SYSTEM VALUE SELECT {ENTRY_COLUMNS} FROM"
    op.execute(f"{copy_entries} entries_{suffix}")
    for table in TABLES[1:]:
        op.execute(f"INSERT INTO {table} ({TAGGING_COLUMNS}) SELECT {TAGGING_COLUMNS} FROM {table}_{suffix}")  # noqa: S608
    continue_sequence = "SELECT setval(pg_get_serial_sequence('entries', 'id'), last_value, is_called) FROM"
    op.execute(f"{continue_sequence} entries_id_seq_{suffix}")


def _index_and_refer(*, entry_key: str, referenced: str) -> None:
    for index in ENTRY_INDEXES:
        op.execute(index)
    for table in TABLES[1:]:
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT fk_{table}_entry_id_entries FOREIGN KEY ({entry_key})"
            f" REFERENCES entries ({referenced}) ON DELETE CASCADE"
        )


def _drop_old_tables(suffix: str) -> None:
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE {table}_{suffix}")
    op.execute("ANALYZE entries, feed_taggings, access_taggings")
