"""The confluent-kafka side of ``chronicles consume``: configuration, batches, commits, partition positions.

Every function here that takes the ``Consumer`` blocks; :class:`~chronicles.ingest.kafka.KafkaIngest`
runs them on the consumer's own thread.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import structlog
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from chronicles.ingest.parsing import RawMessage
from chronicles.store.consumer_status import PartitionStatus

log = structlog.get_logger(__name__)

Partition = tuple[str, int]

COMMIT_ATTEMPTS = 5
COORDINATOR_ERRORS = frozenset(
    {
        KafkaError.NOT_COORDINATOR,
        KafkaError.COORDINATOR_NOT_AVAILABLE,
        KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
        KafkaError.REQUEST_TIMED_OUT,
        KafkaError._TIMED_OUT,
        KafkaError._TRANSPORT,
    }
)


@dataclass
class Batch:
    raws: list[RawMessage]
    next_offsets: dict[Partition, int]  # per partition: the offset to commit (last + 1)

    @classmethod
    def of(cls, messages: Sequence[Message]) -> Batch:
        raws: list[RawMessage] = []
        next_offsets: dict[Partition, int] = {}
        for message in messages:
            error = message.error()
            if error is not None:
                _on_message_error(error)
                continue
            topic, partition, offset = _position(message)
            raws.append(RawMessage(message.value() or b"", "kafka", topic, partition, offset))
            next_offsets[(topic, partition)] = offset + 1
        return cls(raws, next_offsets)


def _position(message: Message) -> tuple[str, int, int]:
    """Topic, partition and offset: always set on a message without ``error()``."""
    topic, partition, offset = message.topic(), message.partition(), message.offset()
    if topic is None or partition is None or offset is None:
        raise KafkaException(KafkaError(KafkaError._INVALID_ARG, "a message without a position"))
    return topic, partition, offset


def _on_message_error(error: KafkaError) -> None:
    if error.fatal():
        raise KafkaException(error)
    log.warning("kafka.consume_error", error=error.str(), code=error.name())


def commit(consumer: Consumer, offsets: list[TopicPartition]) -> list[TopicPartition]:
    """A synchronous commit of explicit offsets; each result carries its partition's error, if any.

    A coordinator moving or loading (a broker restart, the group's first
    commit) is retried briefly; a rebalance error is not (the partitions
    are someone else's now).
    """
    for attempt in range(1, COMMIT_ATTEMPTS + 1):
        try:
            return consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as error:
            if attempt == COMMIT_ATTEMPTS or not _coordinator_trouble(error):
                raise
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")


def _coordinator_trouble(error: KafkaException) -> bool:
    kafka_error = error.args[0] if error.args else None
    if not isinstance(kafka_error, KafkaError):
        return False
    return kafka_error.retriable() or kafka_error.code() in COORDINATOR_ERRORS


def partition_statuses(consumer: Consumer, committed: dict[Partition, int]) -> list[PartitionStatus]:
    """Per assigned partition: the committed offset and the high watermark (broker round trips).

    ``committed`` holds the offsets this consumer committed itself; the others are asked of the group.
    """
    assignment = consumer.assignment()
    unknown = [tp for tp in assignment if (tp.topic, tp.partition) not in committed]
    known = dict(committed)
    for tp in consumer.committed(unknown, timeout=5) if unknown else []:
        if tp.offset >= 0:
            known[(tp.topic, tp.partition)] = tp.offset
    statuses = []
    for tp in assignment:
        low, high = consumer.get_watermark_offsets(tp, timeout=5, cached=False)
        statuses.append(PartitionStatus(tp.topic, tp.partition, known.get((tp.topic, tp.partition), low), high))
    return statuses
