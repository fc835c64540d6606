"""Several ``chronicles consume`` processes in one group: a rebalance under load loses and doubles nothing.

A stream is produced to a 4-partition topic in three parts: two consumer
processes read the first; one of them is killed (SIGKILL) at a moment it has
stored entries whose offsets it has not committed yet, so that their new
owner surely reads them again; the second part arrives and a third consumer
joins before the last. Partitions move twice; every entry must be stored
exactly once (a fifth of the messages have no sequence_code, so a redelivered
one is only recognised by its position-derived code), tagged once, with no
dead letter, and the group's committed offsets must reach the end of every
partition. Every wait is on a condition, with a generous ceiling.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from chronicles.ingest.parsing import RawMessage
from tests.chronicles.ingest.conftest import committed_offsets, count_entries, eventually, produce, scalar
from tests.chronicles.ingest.test_kafka_consumer import codes, messages, rows

pytestmark = pytest.mark.kafka

PARTITIONS = 4
PART = 8_000  # messages per part of the stream (a multiple of PARTITIONS)


def start_consumer(bootstrap: str, topic: str, group: str, database_url: str, log: Path) -> subprocess.Popen[bytes]:
    """A ``chronicles consume`` process (dynamic membership, a 6 s session: a killed one's partitions move soon)."""
    env = {**os.environ, "CHRONICLES_DATABASE_URL": database_url, "PRACTICA_HOME": str(log.parent)}
    env |= {"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    command = [sys.executable, "-m", "chronicles", "consume", "--bootstrap-servers", bootstrap, "--topic", topic]
    command += ["--group", group, "--batch-size", "500", "--batch-timeout", "0.2", "--session-timeout", "6"]
    with log.open("ab") as output:
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)


def assignments(log: Path) -> list[list[int]]:
    """The partitions the consumer logging to ``log`` was given, at each assignment."""
    found = []
    for line in log.read_text().splitlines() if log.exists() else []:
        try:
            record = json.loads(line)
        except ValueError:  # another line of output, or one still being written
            continue
        if isinstance(record, dict) and record.get("event") == "kafka.assigned":
            found.append(list(record.get("partitions") or []))
    return found


def assigned(log: Path) -> Callable[[], bool]:
    """Whether the consumer logging to ``log`` holds at least one partition."""
    return lambda: bool(assignments(log)) and bool(assignments(log)[-1])


class Stream:
    """The messages produced so far, and where each entry's code was written (partition, offset)."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap, self.topic = bootstrap, topic
        self.sent: list[bytes] = []
        self.where: dict[str, tuple[int, int]] = {}

    def send(self, count: int) -> None:
        """Produce ``count`` more (a multiple of the partitions: each call starts again at partition 0)."""
        more = messages(count, without_code_every=5)
        first_offset = len(self.sent) // PARTITIONS
        for index, message in enumerate(more):
            partition, offset = index % PARTITIONS, first_offset + index // PARTITIONS
            raw = RawMessage(message, "kafka", self.topic, partition, offset)
            code = json.loads(message).get("sequence_code") or str(raw.fallback_sequence_code())
            self.where[code] = (partition, offset)
        produce(self.bootstrap, self.topic, more, partitions=PARTITIONS)
        self.sent.extend(more)


async def stored_uncommitted(database_url: str, group: str, stream: Stream, partitions: list[int]) -> int:
    """How many entries of ``partitions`` are stored beyond the group's committed offset (a new owner re-reads them)."""
    committed = committed_offsets(stream.bootstrap, group, stream.topic, PARTITIONS)
    stored = {code for (code,) in await rows(database_url, "SELECT sequence_code::text FROM entries")}
    where = stream.where
    return sum(
        1
        for code in stored & where.keys()
        if where[code][0] in partitions and where[code][1] >= committed[where[code][0]]
    )


async def kill_with_uncommitted_entries(
    consumer: subprocess.Popen[bytes],
    log: Path,
    check: Callable[[list[int]], Awaitable[int]],
    idle: Callable[[], Awaitable[bool]],
    more: Callable[[], None],
) -> None:
    """SIGKILL ``consumer`` once, frozen (SIGSTOP), it is seen to hold stored but uncommitted entries.

    Caught when it is busy; whenever the group has caught up, the stream goes on (``more``).
    """

    async def caught() -> bool:
        consumer.send_signal(signal.SIGSTOP)
        if await check(assignments(log)[-1]) > 0:
            return True
        consumer.send_signal(signal.SIGCONT)
        if await idle():
            more()
        await asyncio.sleep(0.05)
        return False

    await eventually(caught, 300, "the consumer holding stored, uncommitted entries")
    consumer.send_signal(signal.SIGKILL)
    consumer.wait(timeout=30)


async def when(check: Callable[[], bool], within: float, what: str) -> None:
    async def ready() -> bool:
        return check()

    await eventually(ready, within, what)


@pytest.mark.timeout(900)  # each wait has its own ceiling; on an idle machine the test takes under a minute
async def test_a_rebalance_under_load_loses_and_doubles_nothing(
    kafka_broker: str, kafka_topic: Callable[[int], str], chronicles_db_url: str, tmp_path: Path
) -> None:
    topic, group = kafka_topic(PARTITIONS), f"g-{uuid.uuid4().hex[:8]}"
    rule = "INSERT INTO tag_rules (name, kind, tag, match) VALUES ('user', 'feed', 'user:{performer.id}', '{}')"
    await scalar(chronicles_db_url, rule + " RETURNING id")
    stream = Stream(kafka_broker, topic)
    logs = {name: tmp_path / f"{name}.log" for name in ("first", "second", "third")}
    consumers: dict[str, subprocess.Popen[bytes]] = {}
    try:
        stream.send(PART)
        for name in ("first", "second"):
            consumers[name] = start_consumer(kafka_broker, topic, group, chronicles_db_url, logs[name])
        for name in ("first", "second"):
            await when(assigned(logs[name]), 120, f"the {name} consumer's partitions")
        await kill_with_uncommitted_entries(
            consumers["first"],
            logs["first"],
            lambda partitions: stored_uncommitted(chronicles_db_url, group, stream, partitions),
            lambda: _all_committed(kafka_broker, group, topic, len(stream.sent)),
            lambda: stream.send(PART),
        )
        stream.send(PART)
        consumers["third"] = start_consumer(kafka_broker, topic, group, chronicles_db_url, logs["third"])
        await when(assigned(logs["third"]), 120, "the added consumer's partitions")
        stream.send(PART)

        total = len(stream.sent)
        await eventually(lambda: _all_committed(kafka_broker, group, topic, total), 300, "every offset committed")
    finally:
        exits = _stop(consumers)
    assert exits["second"] == 0, logs["second"].read_text()[-2000:]
    assert exits["third"] == 0, logs["third"].read_text()[-2000:]

    assert await count_entries(chronicles_db_url) == total
    assert await scalar(chronicles_db_url, "SELECT count(DISTINCT sequence_code) FROM entries") == total
    stored_codes = {code for (code,) in await rows(chronicles_db_url, "SELECT sequence_code::text FROM entries")}
    assert codes(stream.sent) <= stored_codes
    assert await scalar(chronicles_db_url, "SELECT count(*) FROM feed_taggings") == total
    assert await scalar(chronicles_db_url, "SELECT count(*) FROM dead_letters") == 0
    assert committed_offsets(kafka_broker, group, topic, PARTITIONS) == [total // PARTITIONS] * PARTITIONS


async def _all_committed(bootstrap: str, group: str, topic: str, total: int) -> bool:
    return sum(max(offset, 0) for offset in committed_offsets(bootstrap, group, topic, PARTITIONS)) == total


def _stop(consumers: dict[str, subprocess.Popen[bytes]]) -> dict[str, int]:
    """SIGTERM the live consumers (they finish their batches, commit and exit); their exit codes."""
    for process in consumers.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    return {name: process.wait(timeout=60) for name, process in consumers.items()}
