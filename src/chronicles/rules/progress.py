"""Backfill progress for people (``chronicles backfills``, the internal API): a read model of ``backfills``.

Progress is estimated from the id range: ``upper_id - start_id`` ids to
cover, ``next_id - start_id`` covered. Ids have gaps (rolled-back inserts),
so this is an estimate; ``scanned`` counts the entries actually read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

SELECT = """
SELECT b.id, r.name, b.status, b.scanned, b.tagged, b.untagged, b.start_id, b.next_id, b.upper_id, b.error,
       b.created_at, b.finished_at
FROM backfills AS b JOIN tag_rules AS r ON r.id = b.rule_id
WHERE (%(id)s::int IS NULL OR b.id = %(id)s::int)
  AND (%(rule)s::text IS NULL OR r.name = %(rule)s::text)
  AND (%(status)s::text IS NULL OR b.status = %(status)s::text)
ORDER BY b.id DESC
LIMIT %(limit)s
"""


@dataclass(frozen=True)
class BackfillProgress:
    id: int
    rule: str
    status: str
    scanned: int
    tagged: int
    untagged: int
    start_id: int
    next_id: int
    upper_id: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None

    @property
    def total_estimate(self) -> int:
        """Entries to cover, estimated from the id range."""
        return max(self.upper_id - self.start_id, 0)

    @property
    def covered_estimate(self) -> int:
        return max(min(self.next_id, self.upper_id) - self.start_id, 0)

    @property
    def fraction(self) -> float:
        if self.status == "done" or not self.total_estimate:
            return 1.0 if self.status == "done" else 0.0
        return self.covered_estimate / self.total_estimate


async def list_backfills(
    conn: AsyncConnection, *, rule: str | None = None, status: str | None = None, limit: int = 50
) -> list[BackfillProgress]:
    """The newest backfills first."""
    return await _select(conn, {"id": None, "rule": rule, "status": status, "limit": limit})


async def get_backfill(conn: AsyncConnection, backfill_id: int) -> BackfillProgress | None:
    found = await _select(conn, {"id": backfill_id, "rule": None, "status": None, "limit": 1})
    return found[0] if found else None


async def _select(conn: AsyncConnection, parameters: dict[str, Any]) -> list[BackfillProgress]:
    rows = await (await conn.execute(SELECT, parameters)).fetchall()
    return [BackfillProgress(*row) for row in rows]
