"""``chronicles consume``: Kafka → entries, at least once in, exactly once stored.

For each batch: ``consume(num_messages, timeout)`` → :meth:`Ingestor.ingest_raw`
(parse, tag, insert, dead-letter: one database transaction) → a synchronous
commit of explicit offsets (last + 1 per partition), only after the
transaction committed. A crash anywhere before the offset commit means the
batch is read again, and the unique ``sequence_code`` (or, for messages
without one, a code derived from topic/partition/offset) makes the second
write a no-op: nothing is lost, nothing doubled.

Up to ``pipeline`` batches are in flight at once, each on its own database
connection, so that parsing and tagging one batch (Python, one core) overlaps
writing the previous ones (PostgreSQL backends, the other cores). Offsets are
still committed in batch order, each only after its batch and every earlier
one are stored. (On 2 cores, 4 batches of 2,000 measured best; see
``bench/chronicles_ingest.py``.)

Failures, and what happens:

- a message that is not JSON or fails the contract: a dead letter (the
  Ingestor), the rest of the batch is stored;
- a message the database refuses (SQLSTATE class 22/23/54, e.g. a NUL
  character in a payload string): the batch is split until that message is
  alone, and it becomes a dead letter;
- the database unreachable or failing otherwise: the same batch is retried
  with exponential backoff (capped), offsets stay uncommitted. A stop request
  during the outage abandons the batch uncommitted (it is read again later);
- a rebalance: partitions may move between batches; a commit for a partition
  no longer ours fails harmlessly (its new owner re-reads and skips repeats).
  Once the batches in flight wait for the database no ``consume`` is
  called, so an outage longer than ``max.poll.interval.ms`` (5 minutes) makes
  the consumer leave the group; it rejoins when the database is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
import structlog
from confluent_kafka import Consumer, KafkaException, TopicPartition

from chronicles.ingest.kafka_client import Batch, Partition, commit, partition_statuses
from chronicles.ingest.parsing import RawMessage, Rejection
from chronicles.ingest.service import Ingestor
from chronicles.observability import Metrics
from chronicles.store.connections import Connections
from chronicles.store.consumer_status import record_consumer_status
from chronicles.store.writer import refuses_the_data

log = structlog.get_logger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class ConsumerOptions:
    bootstrap_servers: str
    topic: str
    group: str
    database_url: str  # a libpq URI (postgresql://…)
    batch_size: int = 2000
    batch_timeout: float = 0.5
    instance_id: str | None = None  # static membership: a restart takes its partitions back at once
    pipeline: int = 4
    session_timeout: float = 45.0  # seconds without a heartbeat before a consumer's partitions move
    status_interval: float = 5.0
    initial_backoff: float = 0.5
    max_backoff: float = 30.0

    def kafka_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "bootstrap.servers": self.bootstrap_servers,
            "group.id": self.group,
            "client.id": "chronicles-consumer",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": round(self.session_timeout * 1000),
            "heartbeat.interval.ms": min(3000, round(self.session_timeout * 1000 / 3)),
        }
        if self.instance_id:
            config["group.instance.id"] = self.instance_id
        return config


class KafkaIngest:
    """One consumer in a group: reads batches, stores them, commits, reports lag."""

    def __init__(self, options: ConsumerOptions, ingestor: Ingestor | None = None, metrics: Metrics | None = None):
        self.options = options
        self.metrics = metrics or Metrics()
        self.ingestor = ingestor or Ingestor(self.metrics)
        self.stop = asyncio.Event()
        self.committed: dict[Partition, int] = {}
        self.batches_committed = 0
        self._connections = Connections(options.database_url, "chronicles-consumer")
        self._status_slot = options.pipeline  # the status upsert never shares a batch's transaction
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="kafka")  # every call on the consumer
        self._last_status = 0.0
        self._abandoned = False

    async def run(self) -> None:
        """Consume until :attr:`stop` is set, then finish the batches in flight, commit and close."""
        consumer = await self._call(Consumer, self.options.kafka_config())
        await self._call(
            consumer.subscribe,
            [self.options.topic],
            on_assign=self._on_assign,
            on_revoke=self._on_revoke,
            on_lost=self._on_revoke,
        )
        log.info("kafka.consume", topic=self.options.topic, group=self.options.group)
        try:
            await self._loop(consumer)
        finally:
            await self._call(consumer.close)
            await self._connections.close()
            self._executor.shutdown(wait=True)
            log.info("kafka.closed", batches=self.batches_committed)

    async def _loop(self, consumer: Consumer) -> None:
        in_flight: deque[tuple[Batch, asyncio.Task[bool]]] = deque()
        sequence = 0
        try:
            while not self.stop.is_set():
                messages = await self._call(consumer.consume, self.options.batch_size, self.options.batch_timeout)
                batch = Batch.of(messages)
                if batch.raws:
                    slot = sequence % self.options.pipeline
                    in_flight.append((batch, asyncio.create_task(self._store(batch, slot))))
                    sequence += 1
                while in_flight and (
                    not batch.raws or len(in_flight) >= self.options.pipeline or in_flight[0][1].done()
                ):
                    await self._complete(consumer, *in_flight.popleft())
                await self._report_status(consumer)
            while in_flight:
                await self._complete(consumer, *in_flight.popleft())
        finally:  # left over only after an error: nothing after it may be committed
            for _, task in in_flight:
                task.cancel()
            await asyncio.gather(*(task for _, task in in_flight), return_exceptions=True)
        await self._report_status(consumer, force=True)

    async def _complete(self, consumer: Consumer, batch: Batch, task: asyncio.Task[bool]) -> None:
        """Commit ``batch``'s offsets once it is stored (earlier batches already are)."""
        stored = await task
        if self._abandoned or not stored:
            # Stopped during an outage: this batch is read again later, so no batch after it
            # may commit (its offsets would cover this one's).
            self._abandoned = True
            self.stop.set()
            log.warning("kafka.batch_left_uncommitted", messages=len(batch.raws), stored=stored)
            return
        offsets = [
            TopicPartition(topic, partition, offset) for (topic, partition), offset in batch.next_offsets.items()
        ]
        try:
            results = await self._call(commit, consumer, offsets)
        except KafkaException as error:
            # Typically a rebalance took the partitions away: the batch is stored, and their
            # new owner reads it again from the last committed offset and skips the repeats.
            log.warning("kafka.commit_failed", error=str(error), messages=len(batch.raws))
            return
        for result in results:
            if result.error is not None:
                log.warning("kafka.commit_failed", error=str(result.error), partition=result.partition)
            else:
                self.committed[(result.topic, result.partition)] = result.offset
        self.batches_committed += 1

    async def _store(self, batch: Batch, slot: int) -> bool:
        """Store the batch, retrying while the database fails; False if stopped before it could."""
        delay = self.options.initial_backoff
        while True:
            try:
                conn = await self._connections.get(slot)
                await self._ingest(conn, batch.raws)
                return True
            except psycopg.Error as error:  # down, restarting, refusing connections, or failing otherwise
                await self._connections.discard(slot)
                if self.stop.is_set():
                    return False
                log.warning("kafka.store_failed", error=str(error).strip(), retry_in=delay)
                await self._sleep(delay)
                if self.stop.is_set():
                    return False
                delay = min(delay * 2, self.options.max_backoff)

    async def _ingest(self, conn: psycopg.AsyncConnection, raws: list[RawMessage]) -> None:
        """Ingest ``raws``; when the database refuses the data, split until the culprit is alone."""
        try:
            await self.ingestor.ingest_raw(conn, raws, "kafka")
        except psycopg.DatabaseError as error:
            if not refuses_the_data(error, conn):
                raise
            if len(raws) == 1:
                log.warning("kafka.refused_by_database", error=str(error).strip(), offset=raws[0].offset)
                rejection = Rejection(0, None, f"refused by the database: {str(error).strip()}", raws[0])
                await self.ingestor.dead_letter(conn, [rejection], "kafka")
                return
            middle = len(raws) // 2
            await self._ingest(conn, raws[:middle])
            await self._ingest(conn, raws[middle:])

    async def _report_status(self, consumer: Consumer, *, force: bool = False) -> None:
        """Per assigned partition: committed offset, high watermark, lag → gauge and table (every few s)."""
        if not force and time.monotonic() - self._last_status < self.options.status_interval:
            return
        try:
            statuses = await self._call(partition_statuses, consumer, self.committed)
        except KafkaException as error:
            log.warning("kafka.status_unavailable", error=str(error))
            return
        if not statuses:  # nothing assigned yet: try again on the next round
            return
        self._last_status = time.monotonic()
        for status in statuses:
            self.metrics.consumer_lag.labels(status.topic, str(status.partition)).set(status.lag)
        try:
            conn = await self._connections.get(self._status_slot)
            await record_consumer_status(conn, self.options.group, statuses)
        except psycopg.Error as error:
            await self._connections.discard(self._status_slot)
            log.warning("kafka.status_not_recorded", error=str(error).strip())

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        log.info("kafka.assigned", partitions=[p.partition for p in partitions])

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # Nothing to flush: offsets are committed right after each batch is stored.
        log.info("kafka.revoked", partitions=[p.partition for p in partitions])
        for p in partitions:
            self.committed.pop((p.topic, p.partition), None)
            with contextlib.suppress(KeyError):  # never reported
                self.metrics.consumer_lag.remove(p.topic, str(p.partition))

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake up when asked to stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), seconds)

    async def _call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking consumer call on the consumer's own thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: function(*args, **kwargs))


async def consume(options: ConsumerOptions) -> KafkaIngest:
    """Run a consumer until SIGTERM or SIGINT (``chronicles consume``)."""
    ingest = KafkaIngest(options)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, _request_stop, ingest, signum)
    try:
        await ingest.run()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    return ingest


def _request_stop(ingest: KafkaIngest, signum: int) -> None:
    log.info("kafka.stopping", signal=signal.Signals(signum).name)
    ingest.stop.set()
