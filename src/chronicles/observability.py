"""Chronicles' Prometheus metrics (one registry per process)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

SEARCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None, *, replica: bool = False) -> None:
        self.registry = registry or CollectorRegistry()
        self.ingested = Counter(
            "chronicles_entries_ingested", "Entries stored (new)", ["source"], registry=self.registry
        )
        self.duplicates = Counter(
            "chronicles_entries_duplicate", "Entries received again and skipped", ["source"], registry=self.registry
        )
        self.dead_letters = Counter(
            "chronicles_dead_letters", "Messages sent to the dead letters", ["source"], registry=self.registry
        )
        self.consumer_lag = Gauge(
            "chronicles_consumer_lag",
            "Messages behind the partition's end",
            ["topic", "partition"],
            registry=self.registry,
        )
        self.search_latency = Histogram(
            "chronicles_search_seconds",
            "GraphQL entries search latency by filter kind",
            ["filter"],
            buckets=SEARCH_BUCKETS,
            registry=self.registry,
        )

        self.group_lag = Gauge(
            "chronicles_consumer_group_lag",
            "Messages behind the partition's end, as each consumer group last stored it (read at scrape)",
            ["group", "topic", "partition"],
            registry=self.registry,
        )
        self.dead_letters_pending = Gauge(
            "chronicles_dead_letters_pending",
            "Dead letters waiting for an operator (read at scrape)",
            registry=self.registry,
        )
        # Without a read replica /metrics has no replica series (a 0 would read as "caught up").
        replicas = self.registry if replica else None
        self.replica_up = Gauge(
            "chronicles_replica_up", "Whether the read replica answered (read at scrape)", registry=replicas
        )
        self.replica_lag = Gauge(
            "chronicles_replica_lag_seconds",
            "Seconds the read replica is behind the primary (read at scrape)",
            registry=replicas,
        )

    def show_ingestion(self, lags: Iterable[tuple[str, str, int, int]], dead_letters_pending: int) -> None:
        """The figures the database holds for every consumer process: (group, topic, partition, lag) rows."""
        self.group_lag.clear()  # a partition no group reads any more must not keep its last lag
        for group, topic, partition, lag in lags:
            self.group_lag.labels(group, topic, str(partition)).set(lag)
        self.dead_letters_pending.set(dead_letters_pending)

    def show_replica(self, reachable: bool, lag_seconds: float | None) -> None:
        """Whether the read replica answered, and its lag (NaN while it cannot be reached)."""
        self.replica_up.set(1 if reachable else 0)
        self.replica_lag.set(float("nan") if lag_seconds is None else lag_seconds)

    def record_batch(self, source: str, inserted: int, duplicates: int, dead_lettered: int) -> None:
        self.ingested.labels(source).inc(inserted)
        self.duplicates.labels(source).inc(duplicates)
        self.dead_letters.labels(source).inc(dead_lettered)
