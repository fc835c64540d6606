"""``chronicles consume`` against a real Kafka broker and a real PostgreSQL.

Each test fails if its guarantee breaks: offsets committed before the
database commit lose messages on SIGKILL, a missing position-derived code
doubles redelivered messages, a poison message that stops the loop leaves the
rest unstored, a consumer that gives up or commits while the database is down
loses the batch.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from chronicles.ingest.kafka import KafkaIngest
from tests.chronicles.conftest import libpq
from tests.chronicles.factories import entry
from tests.chronicles.ingest.conftest import (
    committed_offsets,
    consumer_options,
    count_entries,
    eventually,
    produce,
    run_until,
    stored,
)

pytestmark = pytest.mark.kafka


def messages(count: int, *, without_code_every: int = 0) -> list[bytes]:
    """Valid entry messages; every ``without_code_every``-th has no sequence_code (Kafka's position names it)."""
    made = []
    for index in range(count):
        message = entry()
        if without_code_every and index % without_code_every == 0:
            del message["sequence_code"]
        made.append(json.dumps(message).encode())
    return made


def codes(sent: list[bytes]) -> set[str]:
    return {code for message in sent if (code := json.loads(message).get("sequence_code"))}


async def rows(database_url: str, query: str) -> list[tuple[object, ...]]:
    async with await psycopg.AsyncConnection.connect(libpq(database_url), autocommit=True) as conn:
        return await (await conn.execute(query.encode())).fetchall()


def counter(ingest: KafkaIngest, name: str) -> float:
    value: float = getattr(ingest.metrics, name).labels("kafka")._value.get()
    return value


async def test_a_batch_flows_to_entries_and_offsets_are_committed(
    kafka_broker: str, kafka_topic: Callable[[int], str], chronicles_db_url: str
) -> None:
    topic = kafka_topic(3)
    sent = messages(300)
    produce(kafka_broker, topic, sent, partitions=3)
    options = consumer_options(kafka_broker, topic, chronicles_db_url)

    ingest = await run_until(options, stored(chronicles_db_url, 300))

    stored_codes = {code for (code,) in await rows(chronicles_db_url, "SELECT sequence_code::text FROM entries")}
    assert stored_codes == codes(sent)
    assert await count_entries(chronicles_db_url) == 300
    assert committed_offsets(kafka_broker, options.group, topic, 3) == [100, 100, 100]
    assert counter(ingest, "ingested") == 300


async def test_consumer_status_records_offsets_watermarks_and_lag(
    kafka_broker: str, kafka_topic: Callable[[int], str], chronicles_db_url: str
) -> None:
    topic = kafka_topic(2)
    produce(kafka_broker, topic, messages(40), partitions=2)
    options = consumer_options(kafka_broker, topic, chronicles_db_url)

    ingest = await run_until(options, stored(chronicles_db_url, 40))

    status = await rows(
        chronicles_db_url,
        "SELECT consumer_group, topic, partition, committed_offset, high_watermark, lag"
        " FROM consumer_status ORDER BY partition",
    )
    assert status == [(options.group, topic, 0, 20, 20, 0), (options.group, topic, 1, 20, 20, 0)]
    assert ingest.metrics.consumer_lag.labels(topic, "0")._value.get() == 0


async def test_redelivery_creates_no_duplicates(
    kafka_broker: str, kafka_topic: Callable[[int], str], chronicles_db_url: str
) -> None:
    """A second group reads the whole topic again: entries with and without a sequence_code stay single."""
    topic = kafka_topic(2)
    produce(kafka_broker, topic, messages(200, without_code_every=2), partitions=2)
    await run_until(consumer_options(kafka_broker, topic, chronicles_db_url), stored(chronicles_db_url, 200))

    async def seen_all(ingest: KafkaIngest) -> bool:
        return counter(ingest, "duplicates") + counter(ingest, "ingested") >= 200

    again = await run_until(consumer_options(kafka_broker, topic, chronicles_db_url), seen_all)

    assert counter(again, "duplicates") == 200
    assert counter(again, "ingested") == 0
    assert await count_entries(chronicles_db_url) == 200


async def test_poison_messages_go_to_dead_letters_while_the_rest_flows(
    kafka_broker: str, kafka_topic: Callable[[int], str], chronicles_db_url: str
) -> None:
    topic = kafka_topic(1)
    good = [json.dumps(entry()).encode() for _ in range(4)]
    not_json = b"{not json"
    bad_subject = json.dumps(entry(subject="nonsense")).encode()
    nul_in_payload = json.dumps(entry(payload={"note": "a\u0000b"})).encode()  # valid JSON; jsonb cannot hold it
    produce(kafka_broker, topic, [good[0], not_json, good[1], bad_subject, good[2], nul_in_payload, good[3]])
    options = consumer_options(kafka_broker, topic, chronicles_db_url)

    async def settled(ingest: KafkaIngest) -> bool:
        return counter(ingest, "ingested") + counter(ingest, "dead_letters") >= 7

    await run_until(options, settled)

    assert await count_entries(chronicles_db_url) == 4
    letters = await rows(
        chronicles_db_url,
        'SELECT source, raw, error, field, topic, partition, "offset" FROM dead_letters ORDER BY "offset"',
    )
    assert [(source, bytes(raw), field, t, p, o) for source, raw, _, field, t, p, o in letters] == [
        ("kafka", not_json, None, topic, 0, 1),
        ("kafka", bad_subject, "subject", topic, 0, 3),
        ("kafka", nul_in_payload, "payload", topic, 0, 5),
    ]
    errors = [error for _, _, error, *_ in letters]
    assert errors[0].startswith("not JSON")
    assert errors[1].startswith("subject:")
    assert errors[2].startswith("payload:")
    assert "NUL" in errors[2]
    assert committed_offsets(kafka_broker, options.group, topic, 1) == [7]


async def test_unreadable_messages_are_dead_letters_and_the_consumer_goes_on(
    kafka_broker: str, kafka_topic: Callable[[int], str], chronicles_db_url: str
) -> None:
    """Nested 10,000 deep (RecursionError) or a 5,000-digit number (ValueError): each is its message's error.

    Before, the exception left the batch: the consumer stopped, and stopped again on every redelivery.
    A second group reading the topic again counts a delivery on each letter instead of adding rows.
    """
    topic = kafka_topic(1)
    good = [json.dumps(entry()).encode() for _ in range(3)]
    too_deep = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
    too_long = b'{"payload": {"n": ' + b"9" * 5000 + b"}}"
    produce(kafka_broker, topic, [good[0], too_deep, good[1], too_long, good[2]])

    async def settled(ingest: KafkaIngest) -> bool:
        return counter(ingest, "ingested") + counter(ingest, "duplicates") + counter(ingest, "dead_letters") >= 5

    first = consumer_options(kafka_broker, topic, chronicles_db_url)
    await run_until(first, settled)
    await run_until(consumer_options(kafka_broker, topic, chronicles_db_url), settled)

    assert await count_entries(chronicles_db_url) == 3
    letters = await rows(
        chronicles_db_url, 'SELECT raw, error, "offset", deliveries FROM dead_letters ORDER BY "offset"'
    )
    assert [(bytes(raw), offset, deliveries) for raw, _, offset, deliveries in letters] == [
        (too_deep, 1, 2),
        (too_long, 3, 2),
    ]
    assert "nests too deeply" in str(letters[0][1])
    assert "cannot be read" in str(letters[1][1])
    assert committed_offsets(kafka_broker, first.group, topic, 1) == [5]


@pytest.fixture
def database_switch(admin_uri: str, chronicles_db_url: str) -> Iterator[Callable[[bool], None]]:
    """``switch(False)`` refuses new connections to the test database and ends the open ones."""
    name = make_url(chronicles_db_url).database
    assert name

    def switch(allow: bool) -> None:
        with psycopg.connect(admin_uri, autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
                    sql.Identifier(name), sql.SQL("true" if allow else "false")
                )
            )
            if not allow:
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))

    yield switch
    switch(True)


async def test_database_down_then_back_resumes_with_nothing_lost(
    kafka_broker: str,
    kafka_topic: Callable[[int], str],
    chronicles_db_url: str,
    database_switch: Callable[[bool], None],
) -> None:
    topic = kafka_topic(2)
    first, second = messages(100, without_code_every=3), messages(100, without_code_every=3)
    options = consumer_options(kafka_broker, topic, chronicles_db_url)
    ingest = KafkaIngest(options)
    task = asyncio.create_task(ingest.run())
    try:
        produce(kafka_broker, topic, first, partitions=2)
        await eventually(lambda: stored(chronicles_db_url, 100)(ingest), what="the first 100 entries")
        await eventually(lambda: _committed(kafka_broker, options.group, topic, 100), what="their offsets")

        database_switch(False)
        produce(kafka_broker, topic, second, partitions=2)
        await asyncio.sleep(3)  # several failed attempts, with backoff
        assert not task.done()
        assert sum(committed_offsets(kafka_broker, options.group, topic, 2)) == 100  # nothing committed meanwhile

        database_switch(True)
        await eventually(lambda: stored(chronicles_db_url, 200)(ingest), what="the entries written during the outage")
        await eventually(lambda: _committed(kafka_broker, options.group, topic, 200), what="their offsets")
    finally:
        ingest.stop.set()
        await asyncio.wait_for(task, 30)
    assert await count_entries(chronicles_db_url) == 200
    stored_codes = {code for (code,) in await rows(chronicles_db_url, "SELECT sequence_code::text FROM entries")}
    assert codes(first + second) <= stored_codes


async def _committed(bootstrap: str, group: str, topic: str, total: int) -> bool:
    return sum(max(offset, 0) for offset in committed_offsets(bootstrap, group, topic, 2)) == total


def start_consumer(bootstrap: str, topic: str, group: str, database_url: str, home: Path) -> subprocess.Popen[bytes]:
    """``python -m chronicles consume`` as a process of its own (output in ``home``/consumer.log)."""
    env = {**os.environ, "CHRONICLES_DATABASE_URL": database_url, "PRACTICA_HOME": str(home), "LOG_FORMAT": "json"}
    command = [sys.executable, "-m", "chronicles", "consume", "--bootstrap-servers", bootstrap, "--topic", topic]
    command += ["--group", group, "--batch-size", "200", "--batch-timeout", "0.2", "--instance-id", "consumer-1"]
    with (home / "consumer.log").open("ab") as log:
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


async def test_a_consumer_killed_mid_stream_and_restarted_stores_every_message_once(
    kafka_broker: str, kafka_topic: Callable[[int], str], chronicles_db_url: str, tmp_path: Path
) -> None:
    topic, group, total = kafka_topic(3), f"g-{uuid.uuid4().hex[:8]}", 20_000
    sent = messages(total, without_code_every=4)
    produce(kafka_broker, topic, sent, partitions=3)

    first = start_consumer(kafka_broker, topic, group, chronicles_db_url, tmp_path)
    try:
        await eventually(lambda: _at_least(chronicles_db_url, 2_000), within=60, what="the first consumer to start")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    at_kill = await count_entries(chronicles_db_url)
    assert at_kill < total, "the consumer finished before it was killed; the test needs more messages"

    second = start_consumer(kafka_broker, topic, group, chronicles_db_url, tmp_path)
    try:
        # Offsets are committed only after their batch is stored: once all are, every entry must be there.
        await eventually(lambda: _all_committed(kafka_broker, group, topic, total), within=60, what="every offset")
        assert await count_entries(chronicles_db_url) == total
    finally:
        second.send_signal(signal.SIGTERM)
        exit_code = second.wait(timeout=30)
    assert exit_code == 0, (tmp_path / "consumer.log").read_text()[-3000:]

    assert await count_entries(chronicles_db_url) == total
    stored_codes = {code for (code,) in await rows(chronicles_db_url, "SELECT sequence_code::text FROM entries")}
    assert codes(sent) <= stored_codes


async def _at_least(database_url: str, count: int) -> bool:
    return await count_entries(database_url) >= count


async def _all_committed(bootstrap: str, group: str, topic: str, total: int) -> bool:
    return sum(max(offset, 0) for offset in committed_offsets(bootstrap, group, topic, 3)) == total
