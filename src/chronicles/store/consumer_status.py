"""Writing what a Kafka consumer reports per partition into ``consumer_status``.

One row per (group, topic, partition), overwritten on each report: the
internal API reads lag from here without asking the brokers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import AsyncConnection

UPSERT_STATUS = """
INSERT INTO consumer_status (consumer_group, topic, partition, committed_offset, high_watermark, lag, updated_at)
SELECT %(group)s, s.topic, s.partition, s.committed, s.high, s.lag, now()
FROM unnest(%(topic)s::text[], %(partition)s::int[], %(committed)s::bigint[], %(high)s::bigint[], %(lag)s::bigint[])
     AS s(topic, partition, committed, high, lag)
ON CONFLICT (consumer_group, topic, partition) DO UPDATE
SET committed_offset = excluded.committed_offset, high_watermark = excluded.high_watermark,
    lag = excluded.lag, updated_at = excluded.updated_at
"""


@dataclass(frozen=True)
class PartitionStatus:
    topic: str
    partition: int
    committed_offset: int  # the next offset the group will read
    high_watermark: int  # the offset the next message written to the partition gets

    @property
    def lag(self) -> int:
        return max(self.high_watermark - self.committed_offset, 0)


async def record_consumer_status(conn: AsyncConnection, group: str, statuses: Sequence[PartitionStatus]) -> None:
    """Upsert one row per partition (``conn`` in autocommit mode: one statement, its own transaction)."""
    if not statuses:
        return
    columns = {
        "group": group,
        "topic": [status.topic for status in statuses],
        "partition": [status.partition for status in statuses],
        "committed": [status.committed_offset for status in statuses],
        "high": [status.high_watermark for status in statuses],
        "lag": [status.lag for status in statuses],
    }
    await conn.execute(UPSERT_STATUS, columns, prepare=False)
