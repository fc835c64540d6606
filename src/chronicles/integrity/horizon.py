"""Which recorded days can no longer receive entries, and so can be sealed.

``recorded_at`` defaults to ``now()``, the start of the inserting
transaction, so a day ``D`` is complete once two things hold: no transaction
that started before ``D + 1`` (midnight UTC) is still running, and a new one
cannot start with an earlier ``now()``. The horizon is therefore the earlier
of the oldest ``xact_start`` among the database's other sessions and
``now() - margin`` (the margin absorbs a clock stepped back by NTP). A
session ends its transaction in the procarray (its rows become visible)
before it clears ``xact_start``, so once no session older than the horizon
shows, every row recorded before it is visible. The rule needs to see every
session: if one is hidden (a role without ``pg_read_all_stats``) or a
prepared transaction exists, nothing is sealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from psycopg import AsyncConnection

SEAL_MARGIN = timedelta(minutes=10)

HORIZON = """
SELECT now() - %(margin)s,
       (SELECT min(xact_start) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()),
       (SELECT count(*) FROM pg_stat_activity
        WHERE datname = current_database() AND backend_type IS NULL),  -- hidden: another role's, unprivileged
       (SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database())
"""


class HorizonUnknownError(RuntimeError):
    """Some session's transaction cannot be seen, so no day can be declared complete."""


@dataclass(frozen=True)
class Horizon:
    """Every entry recorded before ``moment`` is committed (or never will be)."""

    moment: datetime

    @property
    def last_complete_day(self) -> date:
        """The last UTC day whose end (the next midnight) is at or before the horizon."""
        return self.moment.astimezone(UTC).date() - timedelta(days=1)


async def sealing_horizon(conn: AsyncConnection, margin: timedelta = SEAL_MARGIN) -> Horizon:
    row = await (await conn.execute(HORIZON, {"margin": margin})).fetchone()
    assert row is not None
    behind_now, oldest_transaction, hidden, prepared = row
    if hidden:
        raise HorizonUnknownError(
            f"{hidden} session(s) of other roles hide their transactions from this role: "
            "grant it pg_read_all_stats so the sealer can tell which days are complete"
        )
    if prepared:
        raise HorizonUnknownError(f"{prepared} prepared transaction(s) may still insert entries: finish them first")
    return Horizon(behind_now if oldest_transaction is None else min(behind_now, oldest_transaction))
