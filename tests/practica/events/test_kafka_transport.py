"""``KafkaTransport`` against the real broker, read back by Chronicles' real consumer."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from confluent_kafka import Consumer, TopicPartition

from chronicles.ingest.kafka import KafkaIngest
from practica.events.kafka import KafkaTransport
from practica.events.transport import EventTransport, TransportError
from tests.chronicles.factories import entry
from tests.chronicles.ingest.conftest import (  # noqa: F401  (fixtures: the session's broker)
    consumer_options,
    count_entries,
    kafka_broker,
    kafka_cluster,
    kafka_topic,
    run_until,
)
from tests.kafka_broker import free_port

pytestmark = pytest.mark.kafka


async def test_delivered_events_are_stored_by_the_consumer_once(
    kafka_broker: str,  # noqa: F811
    kafka_topic: Callable[[int], str],  # noqa: F811
    chronicles_db_url: str,
) -> None:
    topic = kafka_topic(2)
    events = [entry() for _ in range(50)]
    transport = KafkaTransport(kafka_broker, topic)
    assert isinstance(transport, EventTransport)
    try:
        batch = [json.dumps(event).encode() for event in events]
        await transport.send(batch)
        assert _written(kafka_broker, topic, 2) == 50  # send returns once the broker has every message
        await transport.send(batch[:10])  # the relay retries a batch whose rows it could not mark sent
    finally:
        await transport.close()

    options = consumer_options(kafka_broker, topic, chronicles_db_url)
    ingest = await run_until(options, lambda i: _seen(i, 60))

    assert await count_entries(chronicles_db_url) == 50
    assert ingest.metrics.duplicates.labels("kafka")._value.get() == 10


def _written(bootstrap: str, topic: str, partitions: int) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "watermarks"})
    try:
        return sum(consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(partitions))
    finally:
        consumer.close()


async def _seen(ingest: KafkaIngest, count: int) -> bool:
    metrics = ingest.metrics
    total: float = metrics.ingested.labels("kafka")._value.get() + metrics.duplicates.labels("kafka")._value.get()
    return total >= count


async def test_send_raises_transport_error_when_kafka_does_not_confirm() -> None:
    transport = KafkaTransport(f"127.0.0.1:{free_port()}", "nowhere", delivery_timeout=1.0)
    try:
        with pytest.raises(TransportError, match="not delivered"):
            await transport.send([json.dumps(entry()).encode()])
    finally:
        transport.producer.purge()
        await transport.close()
