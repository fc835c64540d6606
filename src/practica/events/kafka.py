"""The scale-out transport: events produced to the Kafka topic ``chronicles consume`` reads.

``acks=all`` and an idempotent producer: a message counts as delivered once
every in-sync replica has it, and the producer's own retries never write it
twice. :meth:`KafkaTransport.send` waits for every delivery report and raises
:class:`TransportError` if any failed; the relay then keeps the rows unsent
and tries again (Chronicles skips repeats by ``sequence_code``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from practica.events.transport import TransportError


class KafkaTransport:
    name = "kafka"

    def __init__(self, bootstrap_servers: str, topic: str, delivery_timeout: float = 30.0) -> None:
        self.topic = topic
        self.delivery_timeout = delivery_timeout
        self.producer = Producer(
            {
                "bootstrap.servers": bootstrap_servers,
                "client.id": "practica-events",
                "acks": "all",
                "enable.idempotence": True,
                "linger.ms": 5,
                "compression.type": "lz4",
                "message.timeout.ms": int(delivery_timeout * 1000),
            }
        )

    async def send(self, messages: Sequence[bytes]) -> None:
        """Produce every message, flush, and raise :class:`TransportError` unless all were delivered."""
        if messages:
            await asyncio.to_thread(self._send_blocking, messages)

    def _send_blocking(self, messages: Sequence[bytes]) -> None:
        failures: list[KafkaError] = []

        def on_delivery(error: KafkaError | None, _: Message) -> None:
            if error is not None:
                failures.append(error)

        try:
            for message in messages:
                self._produce(message, on_delivery)
            remaining = self.producer.flush(self.delivery_timeout + 5)
        except KafkaException as error:
            raise TransportError(f"Kafka refused the batch: {error}") from error
        if remaining:
            raise TransportError(f"{remaining} of {len(messages)} events not confirmed by Kafka in time")
        if failures:
            raise TransportError(f"{len(failures)} of {len(messages)} events not delivered: {failures[0].str()}")

    def _produce(self, message: bytes, on_delivery: Callable[[KafkaError | None, Message], None]) -> None:
        """Produce one message; when the local queue is full, serve delivery reports and retry."""
        while True:
            try:
                self.producer.produce(self.topic, value=message, on_delivery=on_delivery)
                return
            except BufferError:
                self.producer.poll(0.1)

    async def close(self) -> None:
        await asyncio.to_thread(self.producer.flush, self.delivery_timeout)
