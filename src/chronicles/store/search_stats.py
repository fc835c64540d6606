"""PostgreSQL's own statistics of the columns a search can be driven by, read every few minutes.

``pg_stats`` holds, per column, the most common values with their share of
the rows and the number of distinct values; with the table's row count that
estimates how many rows hold a given value (a rare action, a viewer's tag).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from psycopg import AsyncConnection

REFRESH_SECONDS = 300.0
STATISTICS = """
SELECT s.tablename, s.attname, s.null_frac, s.n_distinct, s.most_common_vals::text::text[], s.most_common_freqs,
       c.reltuples
FROM pg_stats AS s
JOIN pg_namespace AS n ON n.nspname = s.schemaname
JOIN pg_class AS c ON c.relnamespace = n.oid AND c.relname = s.tablename
WHERE s.schemaname = current_schema()
  AND (s.tablename, s.attname) IN (('entries', 'subject'), ('entries', 'performer'), ('entries', 'action'),
                                   ('entries', 'app'), ('entries', 'subject_type'),
                                   ('feed_taggings', 'tag'), ('access_taggings', 'tag'))
"""
# (table, column) → the name searches use
COLUMNS = {
    ("entries", "subject"): "subject",
    ("entries", "performer"): "performer",
    ("entries", "action"): "action",
    ("entries", "app"): "app",
    ("entries", "subject_type"): "subject_type",
    ("feed_taggings", "tag"): "feed_tag",
    ("access_taggings", "tag"): "access_tag",
}


@dataclass(frozen=True)
class ColumnStats:
    rows: float  # rows in the table
    null_share: float
    distinct: float  # distinct non-null values
    common: dict[str, float]  # most common values and their share of the rows

    def estimate(self, value: str) -> float:
        """Rows holding ``value``: its own share when it is common, else an even share of the rest."""
        if value in self.common:
            return self.common[value] * self.rows
        rest = max(0.0, 1.0 - self.null_share - sum(self.common.values()))
        others = max(1.0, self.distinct - len(self.common))
        return rest / others * self.rows


@dataclass
class Statistics:
    """Per process: the statistics of the driving columns (empty until the tables are analysed)."""

    columns: dict[str, ColumnStats] = field(default_factory=dict)
    entries: float = 0.0
    loaded_at: float = float("-inf")

    async def refresh(self, conn: AsyncConnection, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if now - self.loaded_at < REFRESH_SECONDS:
            return
        rows = await (await conn.execute(STATISTICS, prepare=False)).fetchall()
        columns: dict[str, ColumnStats] = {}
        for table, column, null_share, n_distinct, values, shares, table_rows in rows:
            columns[COLUMNS[(table, column)]] = _column(null_share, n_distinct, values, shares, table_rows)
            if table == "entries":
                self.entries = max(float(table_rows), 0.0)
        self.columns, self.loaded_at = columns, now

    def rows(self, column: str, values: Sequence[str]) -> list[float] | None:
        """Estimated rows per value, or None without statistics for ``column``."""
        stats = self.columns.get(column)
        return None if stats is None else [stats.estimate(value) for value in values]


def _column(
    null_share: float, n_distinct: float, values: list[str] | None, shares: list[float] | None, table_rows: float
) -> ColumnStats:
    rows = max(float(table_rows), 0.0)
    distinct = n_distinct if n_distinct >= 0 else -n_distinct * rows
    common = dict(zip(values or [], map(float, shares or []), strict=True))
    return ColumnStats(rows, float(null_share), float(distinct), common)
