"""Chronicles' Prometheus metrics: one registry per process, whose scrape counts every process of the server.

Under ``chronicles serve --workers N`` every process counts its own requests,
searches and entries, and a scrape reaches one process. So the serving
command gives its processes one fresh directory (``PROMETHEUS_MULTIPROC_DIR``,
made empty at start and removed at exit, see :func:`metrics_directory`):
prometheus_client's multiprocess mode then keeps each process's counters and
histograms in files there, and the process answering a scrape sums them all
(:class:`ProcessesRegistry`). One process (the default, and the tests) keeps
them in memory as before.

The figures read from the database at scrape (consumer lag, dead letters
pending, the replica's state) are the answering process's own reading
(:class:`ScrapeFigures`), never files: what it read is right for the whole
server, and a partition no group reads any more is gone from the next scrape.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

SEARCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client reads it when it is imported


class ProcessesRegistry(CollectorRegistry):
    """The registry of a process among several: its metrics write their values to the shared directory (so
    registering them here is a no-op) and a scrape reads the directory, every process's values summed."""

    def __init__(self, directory: str) -> None:
        super().__init__()
        MultiProcessCollector(self, directory)  # type: ignore[no-untyped-call]

    def register(self, collector: Collector) -> None:
        if not isinstance(collector, MetricWrapperBase):
            super().register(collector)


def process_registry() -> CollectorRegistry:
    """A :class:`ProcessesRegistry` when this process is one of several (the directory is set), else a plain one."""
    directory = os.environ.get(MULTIPROCESS_DIRECTORY)
    return ProcessesRegistry(directory) if directory else CollectorRegistry()


@contextmanager
def metrics_directory() -> Iterator[str]:
    """A fresh, empty directory for the metrics of the processes about to start, set in the environment they
    inherit; removed (and the variable restored) when they have ended. Counts start at zero with each start."""
    directory = tempfile.mkdtemp(prefix="chronicles-metrics-")
    before = os.environ.get(MULTIPROCESS_DIRECTORY)
    os.environ[MULTIPROCESS_DIRECTORY] = directory
    try:
        yield directory
    finally:
        if before is None:
            os.environ.pop(MULTIPROCESS_DIRECTORY, None)
        else:
            os.environ[MULTIPROCESS_DIRECTORY] = before
        shutil.rmtree(directory, ignore_errors=True)


class ScrapeFigures(Collector):
    """Gauges read from the database by the process answering a scrape, as it last read them."""

    def __init__(self, *, replica: bool) -> None:
        self.replica = replica
        self.lags: list[tuple[str, str, int, int]] = []  # (group, topic, partition, lag)
        self.dead_letters_pending = 0
        self.replica_up = 0.0
        self.replica_lag = 0.0

    def collect(self) -> Iterable[Metric]:
        lag = GaugeMetricFamily(
            "chronicles_consumer_group_lag",
            "Messages behind the partition's end, as each consumer group last stored it (read at scrape)",
            labels=["group", "topic", "partition"],
        )
        for group, topic, partition, value in self.lags:
            lag.add_metric([group, topic, str(partition)], value)
        yield lag
        yield GaugeMetricFamily(
            "chronicles_dead_letters_pending",
            "Dead letters waiting for an operator (read at scrape)",
            value=self.dead_letters_pending,
        )
        if self.replica:  # without a read replica /metrics has no replica series (a 0 would read as "caught up")
            yield GaugeMetricFamily(
                "chronicles_replica_up", "Whether the read replica answered (read at scrape)", value=self.replica_up
            )
            yield GaugeMetricFamily(
                "chronicles_replica_lag_seconds",
                "Seconds the read replica is behind the primary (read at scrape)",
                value=self.replica_lag,
            )


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None, *, replica: bool = False) -> None:
        self.registry = registry or process_registry()
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
        self.scraped = ScrapeFigures(replica=replica)
        self.registry.register(self.scraped)

    def show_ingestion(self, lags: Iterable[tuple[str, str, int, int]], dead_letters_pending: int) -> None:
        """The figures the database holds for every consumer process: (group, topic, partition, lag) rows."""
        self.scraped.lags = list(lags)  # a partition no group reads any more must not keep its last lag
        self.scraped.dead_letters_pending = dead_letters_pending

    def show_replica(self, reachable: bool, lag_seconds: float | None) -> None:
        """Whether the read replica answered, and its lag (NaN while it cannot be reached)."""
        self.scraped.replica_up = 1 if reachable else 0
        self.scraped.replica_lag = float("nan") if lag_seconds is None else lag_seconds

    def record_batch(self, source: str, inserted: int, duplicates: int, dead_lettered: int) -> None:
        self.ingested.labels(source).inc(inserted)
        self.duplicates.labels(source).inc(duplicates)
        self.dead_letters.labels(source).inc(dead_lettered)
