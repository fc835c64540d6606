"""One recorded day of entries as the chain sees it: per app, ids, digests and occurred-day lags, in id order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from psycopg import AsyncConnection

from chronicles.integrity.encoding import ENTRY_DIGEST_SQL

# The digest expression is a constant of encoding.py, not input. ``OFFSET 0`` keeps the digests computed
# before the sort, which then moves 50 bytes a row, not the row.
DAY_ENTRIES = f"""
WITH day AS (
    SELECT app, id, digest, id - lag(id, 1, 0::bigint) OVER (PARTITION BY app ORDER BY id) AS delta, lag_days
    FROM (SELECT app, id, {ENTRY_DIGEST_SQL} AS digest,
                 (recorded_at AT TIME ZONE 'UTC')::date - (occurred_at AT TIME ZONE 'UTC')::date AS lag_days
          FROM entries
          WHERE recorded_at >= %(start)s AND recorded_at < %(end)s
            AND (%(app)s::text IS NULL OR app = %(app)s::text)
          OFFSET 0) AS hashed
)
SELECT app, count(*)::int, min(id), max(id),
       string_agg(int8send(delta), ''::bytea ORDER BY id),
       string_agg(substr(digest, 1, 8), ''::bytea ORDER BY id),
       string_agg(digest, ''::bytea ORDER BY id),
       string_agg(int4send(lag_days), ''::bytea ORDER BY id)
FROM day GROUP BY app ORDER BY app
"""  # noqa: S608

WORK_MEM = "256MB"  # a day's sorts stay in memory (about 100 bytes an entry)


@dataclass(frozen=True)
class AppDay:
    """``app``'s entries recorded on one day, as stored now."""

    app: str
    count: int
    first_id: int
    last_id: int
    deltas: bytes  # big-endian int8 id differences
    shorts: bytes  # 8 bytes of each digest
    digests: bytes  # 32 bytes each
    lags: bytes  # big-endian int4: recorded day - occurred day


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start, start + timedelta(days=1)


async def read_day(conn: AsyncConnection, day: date, app: str | None = None) -> dict[str, AppDay]:
    start, end = day_bounds(day)
    async with conn.transaction():
        await conn.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        cursor = conn.cursor(binary=True)
        await cursor.execute(DAY_ENTRIES, {"start": start, "end": end, "app": app})
        return {row[0]: AppDay(*row) for row in await cursor.fetchall()}
