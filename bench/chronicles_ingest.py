"""Chronicles' ingestion rate: through Kafka (the real ``chronicles consume`` process) and through HTTP.

    .venv/bin/python -m bench.chronicles_ingest [N]          (default N = 200,000)

Starts its own Kafka broker (tests/kafka_broker.py; ``make kafka-deps``
first) and uses the embedded PostgreSQL under ``.bench/chronicles-ingest``
(or ``BENCH_DATABASE_URL``, an admin URL), with two fresh migrated databases
carrying three tag rules, so every entry is tagged as in production. Prints
entries/s for each path and the ratio to the aim (Kafka: 10,000 entries/s).

``kafka_ingest_rate`` and ``http_ingest_rate`` are the measuring functions;
``bench/chronicles.py`` can call them with its own entries.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from psycopg import sql
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
KAFKA_AIM = 10_000.0  # entries/s, issue 4
PARTITIONS = 4  # divides evenly between 1, 2 or 4 consumers
RULES = [  # (name, kind, tag): one per kind of tag a deployment typically has
    ("bench-user-feed", "feed", "user:{performer.id}"),
    ("bench-subject-feed", "feed", "{subject.type}:{subject.id}"),
    ("bench-org-access", "access", "org:{payload.org}"),
]


def generate_entries(count: int, seed: int = 4) -> list[bytes]:
    """A mix of apps, subjects, actions and payload shapes (~100-200 bytes of payload each)."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    made = []
    for index in range(count):
        message: dict[str, object] = {
            "sequence_code": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "performer": f"gid://practica/User/{rng.randrange(10_000)}",
            "occurred_at": (start + timedelta(seconds=index)).isoformat(),
            **_action(rng, index, f"o{rng.randrange(50)}"),
        }
        made.append(json.dumps(message).encode())
    return made


def _action(rng: random.Random, index: int, org: str) -> dict[str, object]:
    kind = rng.randrange(4)
    if kind == 0:
        lesson = rng.randrange(2_000)
        payload: dict[str, object] = {"org": org, "title": f"Lesson {lesson}", "tags": ["shell", "pipes"], "rev": 3}
        return {"app": "practica", "subject": f"gid://practica/Lesson/{lesson}", "action": "lesson.published"} | {
            "payload": payload
        }
    if kind == 1:
        payload = {"org": org, "lesson": {"id": f"py-{rng.randrange(2_000)}"}, "tests": {"passed": rng.randrange(6)}}
        return {"app": "practica", "subject": f"gid://practica/Check/{index}", "action": "check.passed"} | {
            "payload": payload
        }
    if kind == 2:
        payload = {"org": org, "words": rng.randrange(500), "thread": {"id": rng.randrange(5_000)}}
        subject = f"gid://forum/Post/{rng.randrange(50_000)}"
        return {"app": "forum", "subject": subject, "action": "post.created", "payload": payload}
    payload = {"org": org, "flag": {"gid": f"gid://plat/Flag/{rng.randrange(1_000)}", "on": rng.random() < 0.5}}
    return {"app": "plat", "subject": f"gid://plat/Job/{rng.randrange(20_000)}", "action": "job.approved"} | {
        "payload": payload
    }


def kafka_ingest_rate(
    bootstrap: str,
    database_url: str,
    entries: list[bytes],
    consumer_args: tuple[str, ...] = (),
    consumers: int = 1,
) -> float:
    """Entries/s from the first produce until the consumer committed (so stored) the last one.

    ``database_url`` is a migrated Chronicles database. A consumer process is
    started on a new topic and warmed up with one entry first, so that the
    figure leaves out its start and group join. ``consumer_args`` are extra
    ``chronicles consume`` options (``--batch-size``, ``--pipeline``);
    ``consumers`` processes share the group (and the topic's partitions).
    """
    topic, group = f"bench-{uuid.uuid4().hex[:8]}", f"bench-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until the topic exists
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(30)
    with _consumer_processes(consumers, bootstrap, topic, group, database_url, consumer_args):
        _produce(bootstrap, topic, generate_entries(1, seed=99))
        _wait_committed(bootstrap, group, topic, 1, within=60)
        started = time.perf_counter()
        _produce(bootstrap, topic, entries)
        _wait_committed(bootstrap, group, topic, len(entries) + 1, within=600)
        elapsed = time.perf_counter() - started
    return len(entries) / elapsed


def http_ingest_rate(
    base_url: str, token: str, entries: list[bytes], batch: int = 1_000, concurrency: int = 4
) -> float:
    """Entries/s posting NDJSON batches of ``batch`` to ``POST /entries`` (``concurrency`` requests at once).

    ``token``: a producer token for the apps of the generated entries (:func:`producer_token`).
    """
    return asyncio.run(_post_all(base_url, token, entries, batch, concurrency))


def producer_token(home: Path) -> str:
    """A producer token for the generated entries' apps, signed with the key kept in ``home``."""
    from datetime import timedelta

    from chronicles.ingest.producers import mint_producer_token, producer_key
    from chronicles.settings import ChroniclesSettings

    key = producer_key(ChroniclesSettings(practica_home=home))
    return mint_producer_token(key, ["practica", "forum", "plat"], timedelta(hours=1), "bench")


async def _post_all(base_url: str, token: str, entries: list[bytes], batch: int, concurrency: int) -> float:
    headers = {"Content-Type": "application/x-ndjson", "Authorization": f"Bearer {token}"}
    bodies = [b"\n".join(entries[i : i + batch]) for i in range(0, len(entries), batch)]
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def worker(client: httpx.AsyncClient) -> int:
        accepted = 0
        while not queue.empty():
            response = await client.post("/entries", content=queue.get_nowait(), headers=headers)
            response.raise_for_status()
            accepted += response.json()["accepted"]
        return accepted

    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        started = time.perf_counter()
        accepted = sum(await asyncio.gather(*(worker(client) for _ in range(concurrency))))
        elapsed = time.perf_counter() - started
    assert accepted == len(entries), f"{accepted} of {len(entries)} accepted"
    return len(entries) / elapsed


def _produce(bootstrap: str, topic: str, entries: list[bytes]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "compression.type": "lz4", "acks": "all"})
    for index, entry in enumerate(entries):
        while True:
            try:
                producer.produce(topic, entry, partition=index % PARTITIONS)
                break
            except BufferError:
                producer.poll(0.05)
    if producer.flush(120):
        raise RuntimeError("the broker did not acknowledge every message")


def _wait_committed(bootstrap: str, group: str, topic: str, total: int, within: float) -> None:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            with contextlib.suppress(KafkaException):  # the coordinator may still be loading
                if sum(max(tp.offset, 0) for tp in consumer.committed(partitions, timeout=10)) >= total:
                    return
            time.sleep(0.05)
    finally:
        consumer.close()
    raise TimeoutError(f"the consumer did not commit {total} messages within {within:.0f} s")


@contextmanager
def _consumer_processes(
    count: int, bootstrap: str, topic: str, group: str, database_url: str, extra: tuple[str, ...]
) -> Iterator[None]:
    env = {**os.environ, "CHRONICLES_DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "chronicles", "consume", "--bootstrap-servers", bootstrap]
    command += ["--topic", topic, "--group", group, *extra]
    processes = [subprocess.Popen(command, env=env) for _ in range(count)]
    try:
        yield
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)


@contextmanager
def _chronicles_service(database_url: str, home: Path) -> Iterator[str]:
    from tests.kafka_broker import free_port

    port = free_port()
    env = {**os.environ, "CHRONICLES_DATABASE_URL": database_url, "PRACTICA_HOME": str(home), "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([sys.executable, "-m", "chronicles", "serve", "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(base)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def _wait_http(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/ping", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"chronicles serve did not answer at {base}")


def fresh_database(admin_uri: str, name: str) -> str:
    """Drop and create ``name``, migrate it, add the tag rules; return its SQLAlchemy URL."""
    from chronicles.store.migrate import MIGRATIONS

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(admin_uri).set(drivername="postgresql+psycopg", database=name)
    MIGRATIONS.upgrade(url.render_as_string(hide_password=False))
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False)) as conn:
        for rule, kind, tag in RULES:
            conn.execute("INSERT INTO tag_rules (name, kind, tag, match) VALUES (%s, %s, %s, '{}')", (rule, kind, tag))
    return url.render_as_string(hide_password=False)


def admin_database_uri() -> str:
    configured = os.environ.get("BENCH_DATABASE_URL")
    if configured:
        return configured
    from servicekit.embedded import embedded_server

    return embedded_server(ROOT / ".bench" / "chronicles-ingest").get_uri()


def main(count: int) -> None:
    from tests.kafka_broker import KafkaBroker

    entries = generate_entries(count)
    kafka_entries = generate_entries(count, seed=5)
    admin = admin_database_uri()
    with tempfile.TemporaryDirectory(prefix="chronicles-bench-") as scratch:
        broker = KafkaBroker.start(Path(scratch) / "kafka")
        try:
            kafka_rate = kafka_ingest_rate(broker.bootstrap, fresh_database(admin, "bench_ingest_kafka"), kafka_entries)
        finally:
            broker.stop()
        with _chronicles_service(fresh_database(admin, "bench_ingest_http"), Path(scratch)) as base:
            http_rate = http_ingest_rate(base, producer_token(Path(scratch)), entries)
    print(f"Chronicles ingestion, {count:,} entries (3 tag rules, all indexes)")
    print(f"  kafka  {kafka_rate:>9,.0f} entries/s   {kafka_rate / KAFKA_AIM:.2f}x the aim of {KAFKA_AIM:,.0f}/s")
    print(f"  http   {http_rate:>9,.0f} entries/s   (NDJSON, 1,000 per request, 4 requests at once)")


if __name__ == "__main__":
    main(int(sys.argv[1].replace(",", "").replace("_", "")) if len(sys.argv) > 1 else 200_000)
