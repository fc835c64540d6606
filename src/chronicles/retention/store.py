"""Retention's SQL: what is old, streaming a month of one app, dropping a month, deleting exported rows.

Every statement names its month's time range, so PostgreSQL reads only that
month's partition (or DEFAULT). Rows are removed only by the ids of an export
(kept in the session's temporary table ``retention_exported``): an entry that
arrives meanwhile is never removed before it has been exported.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection, sql

from chronicles.store.partitions import LOCK_TIMEOUT, TAGGING_TABLES, Month

RUN_LOCK = 0x63687274  # one retention at a time (an advisory lock key: "chrt")
OLD_ROWS = """
SELECT app, date_trunc('month', occurred_at, 'UTC') AS month, count(*) FROM entries
WHERE app = ANY(%s) AND occurred_at < %s GROUP BY 1, 2 ORDER BY 2, 1
"""
EXPORTED_TABLE = "CREATE TEMPORARY TABLE IF NOT EXISTS retention_exported (id bigint PRIMARY KEY)"
MONTH_OF_APP = """
SELECT id, sequence_code, app, subject, subject_type, action, performer, payload, occurred_at, recorded_at,
       feed_tags, access_tags
FROM entries AS e WHERE e.app = %s AND e.occurred_at >= %s AND e.occurred_at < %s
AND NOT EXISTS (SELECT 1 FROM retention_exported AS x WHERE x.id = e.id)
ORDER BY e.occurred_at, e.id
"""
# The taggings go with their entry, found through their primary key from the entry's tag arrays.
DELETE_EXPORTED = """
WITH gone AS (
    DELETE FROM entries WHERE app = %s AND occurred_at >= %s AND occurred_at < %s AND id = ANY(%s::bigint[])
    RETURNING id, occurred_at, feed_tags, access_tags
),
feed AS (
    DELETE FROM feed_taggings AS t USING gone, unnest(gone.feed_tags) AS given(tag)
    WHERE t.tag = given.tag AND t.occurred_at = gone.occurred_at AND t.entry_id = gone.id
),
access AS (
    DELETE FROM access_taggings AS t USING gone, unnest(gone.access_tags) AS given(tag)
    WHERE t.tag = given.tag AND t.occurred_at = gone.occurred_at AND t.entry_id = gone.id
)
SELECT count(*) FROM gone
"""
FOREIGN_OR_UNEXPORTED = sql.SQL(
    "SELECT count(*) FILTER (WHERE e.app <> ALL(%s)),"
    " count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM retention_exported AS x WHERE x.id = e.id))"
    " FROM {} AS e"
)


@dataclass(frozen=True)
class OldMonth:
    """A month wholly older than the cutoff, and how many entries each retained app has in it."""

    month: Month
    counts: dict[str, int]
    partition: str | None  # its own partition, if it has one (else its rows sit in DEFAULT)


async def old_months(conn: AsyncConnection, apps: Sequence[str], before: Month, existing: set[Month]) -> list[OldMonth]:
    cursor = await conn.execute(OLD_ROWS, (list(apps), before.start), prepare=False)
    months: dict[Month, dict[str, int]] = {}
    for app, start, count in await cursor.fetchall():
        months.setdefault(Month.of(start), {})[app] = count
    return [
        OldMonth(month, counts, month.partition("entries") if month in existing else None)
        for month, counts in sorted(months.items())
    ]


async def holds_other_apps(conn: AsyncConnection, partition: str, apps: Sequence[str]) -> bool:
    statement = sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE app <> ALL(%s))").format(sql.Identifier(partition))
    cursor = await conn.execute(statement, (list(apps),))
    row = await cursor.fetchone()
    return bool(row and row[0])


async def remember_exported(conn: AsyncConnection, ids: Sequence[int]) -> None:
    """Put ``ids`` (and only them) into this session's ``retention_exported``."""
    await conn.execute(EXPORTED_TABLE)
    await conn.execute("TRUNCATE retention_exported")
    async with conn.cursor() as cursor, cursor.copy("COPY retention_exported (id) FROM STDIN") as copy:
        for entry_id in ids:
            await copy.write_row((entry_id,))


async def stream_unexported(conn: AsyncConnection, app: str, month: Month) -> AsyncIterator[dict[str, Any]]:
    """The app's entries of the month not in ``retention_exported``, oldest first, as JSON-ready dicts."""
    async with conn.transaction(), conn.cursor(name="retention_export") as cursor:
        await cursor.execute(MONTH_OF_APP, (app, month.start, month.end))
        while rows := await cursor.fetchmany(2000):
            for row in rows:
                yield _as_json(cursor, row)


def _as_json(cursor: Any, row: tuple[Any, ...]) -> dict[str, Any]:
    entry = {column.name: value for column, value in zip(cursor.description, row, strict=True)}
    entry["sequence_code"] = str(entry["sequence_code"])
    entry["occurred_at"] = entry["occurred_at"].isoformat()
    entry["recorded_at"] = entry["recorded_at"].isoformat()
    return entry


async def drop_month_if_all_exported(conn: AsyncConnection, month: Month, apps: Sequence[str]) -> bool:
    """DETACH and DROP the month's partitions if every entry in them is of ``apps`` and exported.

    The partition is locked against writes before it is checked, so nothing can arrive between the
    check and the drop; the taggings' partitions go first.
    """
    partition = month.partition("entries")
    async with conn.transaction():
        await conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
        await conn.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(sql.Identifier(partition)))
        cursor = await conn.execute(FOREIGN_OR_UNEXPORTED.format(sql.Identifier(partition)), (list(apps),))
        row = await cursor.fetchone()
        if row is None or row[0] or row[1]:
            return False
        for table in (*TAGGING_TABLES, "entries"):
            name = sql.Identifier(month.partition(table))
            await conn.execute(sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(sql.Identifier(table), name))
            await conn.execute(sql.SQL("DROP TABLE {}").format(name))
    return True


async def delete_exported(conn: AsyncConnection, app: str, month: Month, ids: Sequence[int]) -> int:
    """Delete these exported entries and their taggings, in one transaction."""
    async with conn.transaction():
        cursor = await conn.execute(DELETE_EXPORTED, (app, month.start, month.end, list(ids)), prepare=False)
        row = await cursor.fetchone()
    return int(row[0]) if row else 0
