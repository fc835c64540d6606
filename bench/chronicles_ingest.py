"""Chronicles' ingestion rate: through Kafka (the real ``chronicles consume`` processes) and through HTTP.

    .venv/bin/python -m bench.chronicles_ingest [N] [--consumers 1,2,4] [--kafka-only]   (default N = 200,000)

Starts its own Kafka broker (tests/kafka_broker.py; ``make kafka-deps``
first) and uses the embedded PostgreSQL under ``.bench/chronicles-ingest``
(or ``BENCH_DATABASE_URL``, an admin URL), with fresh migrated databases
carrying three tag rules, so every entry is tagged as in production. Prints
entries/s for each path with the ratio to the aim (Kafka: 25,000 entries/s,
issue 16) and to the rate before issue 16; with ``--consumers 1,2,4`` one
Kafka run per count of ``chronicles consume`` processes sharing the group
(the topic has 4 partitions), with the ratio to one consumer. For each Kafka
run it also prints where the CPU went, per entry: the consumer processes,
their PostgreSQL backends, the broker and this bench's producer (read from
/proc: the database must be local, as the embedded one is).

``kafka_ingest_rate`` and ``http_ingest_rate`` are the measuring functions;
``bench/chronicles.py`` can call them with its own entries.
"""

from __future__ import annotations

import argparse
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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psutil
import psycopg
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]  # the stubs omit it
from psycopg import sql
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
KAFKA_AIM = 25_000.0  # entries/s, issue 16
KAFKA_BEFORE = 10_169.0  # entries/s, one consumer, before issue 16 (7,600-10,169 over several runs)
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


@dataclass
class KafkaRun:
    """One measured Kafka run: the rate, and the CPU seconds each part spent meanwhile."""

    consumers: int
    entries: int
    seconds: float
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.entries / self.seconds

    def cpu_per_entry(self) -> str:
        return ", ".join(f"{part} {1e6 * seconds / self.entries:.0f}" for part, seconds in self.cpu.items())


def kafka_ingest_rate(
    bootstrap: str,
    database_url: str,
    entries: list[bytes],
    consumer_args: tuple[str, ...] = (),
    consumers: int = 1,
    broker_pid: int | None = None,
) -> KafkaRun:
    """Entries/s from the first produce until the consumers committed (so stored) the last one.

    ``database_url`` is a migrated Chronicles database. The consumer processes
    are started on a new topic and warmed up with one entry per partition
    first, so that the figure leaves out their start and group join.
    ``consumer_args`` are extra ``chronicles consume`` options
    (``--batch-size``, ``--pipeline``); ``consumers`` processes share the
    group (and the topic's partitions).
    """
    topic, group = f"bench-{uuid.uuid4().hex[:8]}", f"bench-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until the topic exists
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(30)
    with _consumer_processes(consumers, bootstrap, topic, group, database_url, consumer_args) as processes:
        _produce(bootstrap, topic, generate_entries(PARTITIONS, seed=99))
        _wait_committed(bootstrap, group, topic, PARTITIONS, within=120)
        meter = _CpuMeter(processes, database_url, broker_pid)
        started = time.perf_counter()
        _produce(bootstrap, topic, entries)
        _wait_committed(bootstrap, group, topic, len(entries) + PARTITIONS, within=900)
        elapsed = time.perf_counter() - started
        cpu = meter.spent()
    return KafkaRun(consumers, len(entries), elapsed, cpu)


class _CpuMeter:
    """CPU seconds of the consumers, their PostgreSQL backends and the broker since it was made."""

    def __init__(self, consumers: list[subprocess.Popen[bytes]], database_url: str, broker_pid: int | None):
        self.database_url = database_url
        self.parts = {"consumers": [psutil.Process(p.pid) for p in consumers]}
        if broker_pid is not None:
            self.parts["broker"] = [psutil.Process(broker_pid)]
        # This process: the bench's producer, on the same cores meanwhile (producers elsewhere would not be).
        self.parts["producer"] = [psutil.Process()]
        self.start = {process.pid: _cpu(process) for processes in self.parts.values() for process in processes}

    def spent(self) -> dict[str, float]:
        backends = [psutil.Process(pid) for pid in _consumer_backends(self.database_url)]
        parts = {"consumers": self.parts["consumers"], "PostgreSQL": backends} | self.parts
        return {
            part: sum(_cpu(process) - self.start.get(process.pid, 0.0) for process in processes)
            for part, processes in parts.items()
        }


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _consumer_backends(database_url: str) -> list[int]:
    libpq = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        query = "SELECT pid FROM pg_stat_activity WHERE application_name = 'chronicles-consumer'"
        return [pid for (pid,) in conn.execute(query).fetchall()]


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
) -> Iterator[list[subprocess.Popen[bytes]]]:
    env = {**os.environ, "CHRONICLES_DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "chronicles", "consume", "--bootstrap-servers", bootstrap]
    command += ["--topic", topic, "--group", group, *extra]
    processes = [subprocess.Popen(command, env=env) for _ in range(count)]
    try:
        yield processes
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


def main(count: int, consumer_counts: tuple[int, ...] = (1,), kafka_only: bool = False) -> None:
    from tests.kafka_broker import KafkaBroker

    entries = generate_entries(count)
    admin = admin_database_uri()
    runs: list[KafkaRun] = []
    with tempfile.TemporaryDirectory(prefix="chronicles-bench-") as scratch:
        broker = KafkaBroker.start(Path(scratch) / "kafka")
        try:
            for consumers in consumer_counts:
                database = fresh_database(admin, "bench_ingest_kafka")
                kafka_entries = generate_entries(count, seed=5 + consumers)
                runs.append(
                    kafka_ingest_rate(broker.bootstrap, database, kafka_entries, (), consumers, broker.process.pid)
                )
        finally:
            broker.stop()
        http_rate = None
        if not kafka_only:
            with _chronicles_service(fresh_database(admin, "bench_ingest_http"), Path(scratch)) as base:
                http_rate = http_ingest_rate(base, producer_token(Path(scratch)), entries)
    print(f"Chronicles ingestion, {count:,} entries (3 tag rules, all indexes), load average {_load()}")
    print("| Kafka consumers | entries/s | ÷ 25,000 aim | ÷ before (10,169) | ÷ 1 consumer | CPU µs per entry |")
    print("|---|---|---|---|---|---|")
    for run in runs:
        alone = runs[0].rate if runs[0].consumers == 1 else float("nan")
        print(
            f"| {run.consumers} | {run.rate:,.0f} | {run.rate / KAFKA_AIM:.2f} | {run.rate / KAFKA_BEFORE:.2f}"
            f" | {run.rate / alone:.2f} | {run.cpu_per_entry()} |"
        )
    if http_rate is not None:
        print(f"  http   {http_rate:>9,.0f} entries/s   (NDJSON, 1,000 per request, 4 requests at once)")


def _load() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("entries", nargs="?", default="200000", help="entries per run (default 200,000)")
    parser.add_argument("--consumers", default="1", help="consumer counts to measure in turn, e.g. 1,2,4")
    parser.add_argument("--kafka-only", action="store_true", help="leave the HTTP intake out")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _arguments()
    main(
        int(arguments.entries.replace(",", "").replace("_", "")),
        tuple(int(value) for value in arguments.consumers.split(",")),
        arguments.kafka_only,
    )
