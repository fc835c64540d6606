"""Kafka fixtures: a real broker per test session (tests/kafka_broker.py) and helpers around it.

Every test makes its own topics and groups (uuid names), so tests share the
broker without seeing each other's messages.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence

import psycopg
import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

from chronicles.ingest.kafka import ConsumerOptions, KafkaIngest
from tests.chronicles.conftest import libpq
from tests.conftest import require_tool
from tests.kafka_broker import KafkaBroker, missing_tools, shared_broker, stop_shared_broker


@pytest.fixture(scope="session")
def kafka_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaBroker]:
    """The broker itself (to create topics); started once per session, stopped at its end."""
    missing = missing_tools()
    require_tool(not missing, f"the Kafka test broker (missing: {', '.join(missing)}; run make kafka-deps)")
    yield shared_broker(tmp_path_factory.mktemp("kafka"))
    stop_shared_broker()


@pytest.fixture(scope="session")
def kafka_broker(kafka_cluster: KafkaBroker) -> str:
    """The bootstrap string (``127.0.0.1:PORT``) of the session's broker."""
    return kafka_cluster.bootstrap


@pytest.fixture
def kafka_topic(kafka_cluster: KafkaBroker) -> Callable[[int], str]:
    """Create a topic of its own for this test: ``kafka_topic(partitions)`` returns its name."""

    def make(partitions: int = 1) -> str:
        name = f"t-{uuid.uuid4().hex[:12]}"
        kafka_cluster.create_topic(name, partitions)
        return name

    return make


def produce(bootstrap: str, topic: str, messages: Sequence[bytes], partitions: int = 1) -> None:
    """Write ``messages`` round-robin over the partitions and wait until all are acknowledged."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "acks": "all"})
    failures: list[object] = []

    def on_delivery(error: object, _message: object) -> None:
        if error is not None:
            failures.append(error)

    for index, message in enumerate(messages):
        producer.produce(topic, message, partition=index % partitions, on_delivery=on_delivery)
        if index % 10_000 == 0:
            producer.poll(0)
    assert producer.flush(30) == 0
    assert not failures


def committed_offsets(bootstrap: str, group: str, topic: str, partitions: int) -> list[int]:
    """The group's committed offset per partition (-1001 where it committed nothing)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        for attempt in range(20):
            try:
                tps = consumer.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=10)
                return [tp.offset for tp in tps]
            except KafkaException:  # the group's coordinator is still loading on a fresh broker
                if attempt == 19:
                    raise
                time.sleep(0.25)
        raise AssertionError("unreachable")
    finally:
        consumer.close()


def consumer_options(bootstrap: str, topic: str, database_url: str, **overrides: object) -> ConsumerOptions:
    values: dict[str, object] = {
        "bootstrap_servers": bootstrap,
        "topic": topic,
        "group": f"g-{uuid.uuid4().hex[:8]}",
        "database_url": libpq(database_url),
        "batch_size": 500,
        "batch_timeout": 0.2,
        "initial_backoff": 0.2,
        "max_backoff": 1.0,
    }
    values.update(overrides)
    return ConsumerOptions(**values)  # type: ignore[arg-type]


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {within} s waiting for {what}")


async def scalar(database_url: str, query: str) -> object:
    async with await psycopg.AsyncConnection.connect(libpq(database_url), autocommit=True) as conn:
        row = await (await conn.execute(query)).fetchone()
        return row[0] if row else None


async def count_entries(database_url: str) -> int:
    value = await scalar(database_url, "SELECT count(*) FROM entries")
    assert isinstance(value, int)
    return value


async def run_until(
    options: ConsumerOptions, done: Callable[[KafkaIngest], Awaitable[bool]], within: float = 30
) -> KafkaIngest:
    """Run an in-process consumer until ``done(consumer)``, then stop it cleanly (finish, commit, close)."""
    ingest = KafkaIngest(options)
    task = asyncio.create_task(ingest.run())
    try:
        await eventually(lambda: _done_or_failed(task, done, ingest), within, "the consumer to catch up")
    finally:
        ingest.stop.set()
        await asyncio.wait_for(task, 30)
    return ingest


def stored(database_url: str, count: int) -> Callable[[KafkaIngest], Awaitable[bool]]:
    """A ``run_until`` condition: ``count`` entries are in the database."""

    async def check(_: KafkaIngest) -> bool:
        return await count_entries(database_url) >= count

    return check


async def _done_or_failed(
    task: asyncio.Task[None], done: Callable[[KafkaIngest], Awaitable[bool]], ingest: KafkaIngest
) -> bool:
    if task.done():
        task.result()  # raises the consumer's error
        raise AssertionError("the consumer stopped by itself")
    return await done(ingest)
