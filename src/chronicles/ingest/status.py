"""Ingestion status for operators: consumer lag, recent rates, totals, dead letters — all cheap queries.

Recent counts read the BRIN index on ``recorded_at`` (rows recorded in the
last hour sit in the last few block ranges); the total is the planner's
estimate (``reltuples`` scaled to the table's current size, as the planner
does), never a ``count(*)`` over tens of millions of rows.

With a read replica (``CHRONICLES_READ_DATABASE_URL``) the status also says
how far behind the primary the searches read, measured on the replica
(:data:`REPLICA_LAG`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from psycopg import AsyncConnection

CONSUMERS = """
SELECT consumer_group, topic, partition, committed_offset, high_watermark, lag, updated_at
FROM consumer_status ORDER BY consumer_group, topic, partition
"""
RECENT = """
SELECT count(*) FILTER (WHERE recorded_at > now() - interval '1 minute'), count(*)
FROM entries WHERE recorded_at > now() - interval '1 hour'
"""
ESTIMATE = """
SELECT CASE WHEN c.reltuples >= 0 AND c.relpages > 0
            THEN (c.reltuples / c.relpages * (pg_relation_size(c.oid) / current_setting('block_size')::int))::bigint
       END,
       (SELECT coalesce(max(id) - min(id) + 1, 0) FROM entries)
FROM pg_class AS c WHERE c.oid = 'entries'::regclass
"""
# Seconds since the last transaction the replica replayed was committed on the primary; 0 when it has replayed
# all the WAL it received (an idle primary sends no transactions, and a caught-up replica is not behind) and on
# a server that is no replica at all.
REPLICA_LAG = """
SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
            THEN 0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())
       END::float8
"""
PENDING = "SELECT count(*) FROM dead_letters WHERE status = 'pending'"
RUNNING = "SELECT count(*) FROM backfills WHERE status IN ('queued', 'running')"


@dataclass(frozen=True)
class ConsumerPartitionRow:
    """A row of ``consumer_status``: what one consumer group last reported for one partition."""

    consumer_group: str
    topic: str
    partition: int
    committed_offset: int
    high_watermark: int
    lag: int
    updated_at: datetime


@dataclass(frozen=True)
class ReplicaStatus:
    """The read replica as the status reads it: ``lag_seconds`` is None when it could not be reached."""

    reachable: bool
    lag_seconds: float | None


@dataclass(frozen=True)
class IngestionStatus:
    """A snapshot for operators, every figure from a cheap query (see the module docstring)."""

    consumers: list[ConsumerPartitionRow]
    entries_last_minute: int
    entries_last_hour: int
    entries_estimate: int
    dead_letters_pending: int
    backfills_unfinished: int
    replica: ReplicaStatus | None = field(default=None)  # None: no read replica is set

    @property
    def total_lag(self) -> int:
        return sum(partition.lag for partition in self.consumers)


async def ingestion_status(conn: AsyncConnection) -> IngestionStatus:
    consumers = [ConsumerPartitionRow(*row) for row in await (await conn.execute(CONSUMERS)).fetchall()]
    minute, hour = await _one(conn, RECENT)
    planner, id_range = await _one(conn, ESTIMATE)
    (pending,) = await _one(conn, PENDING)
    (unfinished,) = await _one(conn, RUNNING)
    # Before the first ANALYZE the planner knows nothing; the id range is then the estimate.
    estimate = planner if planner is not None else id_range
    return IngestionStatus(consumers, minute, hour, int(estimate), pending, unfinished)


async def replica_lag_seconds(conn: AsyncConnection) -> float | None:
    """Seconds the server of ``conn`` is behind the primary (None before it replayed any transaction)."""
    row = await (await conn.execute(REPLICA_LAG)).fetchone()
    assert row is not None
    lag: float | None = row[0]
    return lag


async def _one(conn: AsyncConnection, query: str) -> tuple[int, ...]:
    row = await (await conn.execute(query)).fetchone()
    assert row is not None
    return tuple(row)
