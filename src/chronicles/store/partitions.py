"""Monthly partitions of entries and their taggings: which exist, and making the ones needed.

``entries``, ``feed_taggings`` and ``access_taggings`` are partitioned by
range of ``occurred_at``, one partition per calendar month (UTC) named
``<table>_pYYYY_MM``, and each has a DEFAULT partition (``<table>_default``)
that takes any entry whose month has none, so nothing is ever refused for its
time. :func:`maintain_partitions` creates the current month and
:data:`MONTHS_AHEAD` more before entries arrive for them, and (``adopt``) a
month for each one that has rows waiting in the DEFAULT partition, moving
them in: a month is the unit retention drops.

Creating a month takes an ACCESS EXCLUSIVE lock on the three tables for as
long as it moves rows (none, usually): it waits at most :data:`LOCK_TIMEOUT`
and leaves the month to the next run rather than queue every search behind it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from psycopg import AsyncConnection, errors, sql

log = structlog.get_logger(__name__)

TABLES = ("entries", "feed_taggings", "access_taggings")
TAGGING_TABLES = TABLES[1:]
MONTHS_AHEAD = 3
LOCK_TIMEOUT = "5s"
MAINTENANCE_LOCK = 0x63687270  # one maintainer at a time (an advisory lock key: "chrp")
# Autovacuum marks a month's new pages all-visible after 1 % more rows (PostgreSQL's default waits for 20 %, days
# of entries in a full month): a search's walk checks the viewer's access on the index alone only on such
# pages (revision 0008), and an access-tag walk reads taggings without their table the same way.
VACUUM_AFTER_INSERTS = "autovacuum_vacuum_insert_scale_factor = 0.01"
PARTITION_NAME = re.compile(r"^(entries|feed_taggings|access_taggings)_(p\d{4}_\d{2}|default)$")

MONTHS = """
SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
WHERE i.inhparent = 'entries'::regclass AND c.relname ~ '^entries_p[0-9]{4}_[0-9]{2}$'
"""
# Distinct months of the rows in the DEFAULT partition, one index probe each (a loose index scan).
MONTHS_IN_DEFAULT = """
WITH RECURSIVE months(month) AS (
    SELECT date_trunc('month', min(occurred_at), 'UTC') FROM entries_default
    UNION ALL
    SELECT (SELECT date_trunc('month', min(occurred_at), 'UTC') FROM entries_default
            WHERE occurred_at >= months.month + interval '1 month')
    FROM months WHERE months.month IS NOT NULL
)
SELECT month FROM months WHERE month IS NOT NULL
"""


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month in UTC: the span of one partition."""

    year: int
    month: int

    @classmethod
    def of(cls, moment: datetime) -> Month:
        moment = moment.astimezone(UTC)
        return cls(moment.year, moment.month)

    @classmethod
    def parse(cls, label: str) -> Month:
        """``2026-12`` (as :attr:`label` prints it)."""
        year, month = label.split("-")
        return cls(int(year), int(month))

    def plus(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return self.plus(1).start

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def partition(self, table: str) -> str:
        return f"{table}_p{self.year:04d}_{self.month:02d}"


def default_partition(table: str) -> str:
    return f"{table}_default"


def is_partition_object(name: str, kind: str) -> bool:
    """Whether a table belongs to one partition (Alembic compares the parents only)."""
    return kind == "table" and PARTITION_NAME.match(name) is not None


async def existing_months(conn: AsyncConnection) -> set[Month]:
    cursor = await conn.execute(MONTHS)
    return {Month(int(name[-7:-3]), int(name[-2:])) for (name,) in await cursor.fetchall()}


async def months_in_default(conn: AsyncConnection) -> set[Month]:
    cursor = await conn.execute(MONTHS_IN_DEFAULT)
    return {Month.of(month) for (month,) in await cursor.fetchall()}


async def maintain_partitions(
    conn: AsyncConnection, *, adopt: bool = True, now: datetime | None = None, ahead: int = MONTHS_AHEAD
) -> list[Month]:
    """Create this month's partitions and ``ahead`` more, and (``adopt``) those of months waiting in DEFAULT.

    Each month is its own transaction; returns the months created. ``conn`` must not be in a transaction.
    """
    current = Month.of(now or datetime.now(UTC))
    wanted = {current.plus(offset) for offset in range(ahead + 1)}
    if adopt:
        wanted |= await months_in_default(conn)
    missing = sorted(wanted - await existing_months(conn))
    await conn.commit()  # each month below runs in a transaction of its own
    created = [month for month in missing if await create_month(conn, month)]
    if created:
        log.info("partitions.created", months=[month.label for month in created])
    return created


async def maintain_partitions_at(conninfo: str, *, adopt: bool, tolerate_errors: bool = False) -> list[Month]:
    """:func:`maintain_partitions` on a connection of its own (the command line's start of a process).

    A month that cannot take its locks in time is left to the next run (DEFAULT takes its entries
    meanwhile); with ``tolerate_errors`` (``serve``, ``consume``) so is any database error, logged.
    """
    try:
        async with await AsyncConnection.connect(conninfo, autocommit=True) as conn:
            return await maintain_partitions(conn, adopt=adopt)
    except errors.LockNotAvailable:
        log.warning("partitions.busy", detail="tables busy: months left to the next maintenance")
    except errors.Error as error:
        if not tolerate_errors:
            raise
        log.warning("partitions.maintenance_failed", error=str(error))
    return []


async def create_month(conn: AsyncConnection, month: Month) -> bool:
    """Create ``month``'s partition of each table, moving its rows out of DEFAULT; False if it exists."""
    async with conn.transaction():
        await conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MAINTENANCE_LOCK,))
        if month in await existing_months(conn):
            return False
        await conn.execute("LOCK TABLE entries, feed_taggings, access_taggings IN ACCESS EXCLUSIVE MODE")
        moved = await _set_aside_default_rows(conn, month)
        for statement in partition_statements(month):
            await conn.execute(statement)
        if moved:
            await _put_back(conn)
    log.info("partitions.month_created", month=month.label, moved_from_default=moved)
    return True


def partition_statements(month: Month) -> list[sql.Composed]:
    """The month's ``CREATE TABLE … PARTITION OF`` per table, entries first (none made twice).

    Alone, for a month that has no rows waiting in DEFAULT (a bulk load making its months first).
    """
    return [
        sql.SQL("CREATE TABLE IF NOT EXISTS {} PARTITION OF {} FOR VALUES FROM ({}) TO ({}) WITH ({})").format(
            sql.Identifier(month.partition(table)),
            sql.Identifier(table),
            sql.Literal(month.start),
            sql.Literal(month.end),
            sql.SQL(VACUUM_AFTER_INSERTS),
        )
        for table in TABLES
    ]


async def _set_aside_default_rows(conn: AsyncConnection, month: Month) -> int:
    """Move the month's rows from DEFAULT into temporary tables: taggings first."""
    moved = 0
    for table in (*TAGGING_TABLES, "entries"):
        await conn.execute(
            sql.SQL("CREATE TEMPORARY TABLE {} (LIKE {}) ON COMMIT DROP").format(_moving(table), sql.Identifier(table))
        )
        cursor = await conn.execute(
            sql.SQL(
                "WITH gone AS (DELETE FROM {} WHERE occurred_at >= %s AND occurred_at < %s RETURNING *)"
                " INSERT INTO {} SELECT * FROM gone"
            ).format(sql.Identifier(default_partition(table)), _moving(table)),
            (month.start, month.end),
        )
        moved = cursor.rowcount if table == "entries" else moved
    return moved


async def _put_back(conn: AsyncConnection) -> None:
    await conn.execute(
        sql.SQL("INSERT INTO entries OVERRIDING SYSTEM VALUE SELECT * FROM {} ORDER BY id").format(_moving("entries"))
    )
    for table in TAGGING_TABLES:
        await conn.execute(
            sql.SQL("INSERT INTO {} SELECT * FROM {} ORDER BY entry_id").format(sql.Identifier(table), _moving(table))
        )


def _moving(table: str) -> sql.Identifier:
    return sql.Identifier(f"moving_{table}")
