"""Generated entries for the search benchmark, loaded fast with COPY into a fresh database.

A year of activity: three apps (practica 70 %, forum 20 %, billing 10 %),
about one user per 40 entries in 50 organisations, a skewed mix of actions
(some rare), payloads of several shapes, and entries that arrive late
(``occurred_at`` out of id order). Tags come from real tag rules
(:data:`RULES`, also stored in ``tag_rules``) through the same
:class:`RuleBook` ingestion uses. Secondary indexes are dropped during the
load and rebuilt from their own definitions afterwards, as a bulk load would.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from chronicles.rules.book import CompiledRule, RuleBook, RuleDefinition
from chronicles.rules.placeholders import EntryView
from chronicles.store.partitions import Month, partition_statements

START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)
ORGS = 50
RULES: list[dict[str, Any]] = [
    {"name": "org-access", "kind": "access", "tag": "org:{payload.org}"},
    {"name": "own-access", "kind": "access", "tag": "user:{performer.id}"},
    {"name": "public-access", "kind": "access", "tag": "public", "match": {"actions": ["lesson.published"]}},
    {"name": "lesson-feed", "kind": "feed", "tag": "lesson:{subject.id}", "match": {"subject_types": ["Lesson"]}},
    {"name": "check-feed", "kind": "feed", "tag": "lesson:{payload.lesson.id}", "match": {"subject_types": ["Check"]}},
    {"name": "user-feed", "kind": "feed", "tag": "user:{performer.id}"},
    {"name": "thread-feed", "kind": "feed", "tag": "thread:{payload.thread}", "match": {"apps": ["forum"]}},
    {"name": "org-feed", "kind": "feed", "tag": "org:{payload.org}"},
    {"name": "flagged", "kind": "feed", "tag": "flagged",
     "match": {"payload": [{"operation": "EXISTS", "path": ["flag", "gid"]}]}},
]  # fmt: skip
# (app, subject type, action, weight): checks dominate, some actions are rare.
ACTIONS = [
    ("practica", "Check", "check.passed", 30), ("practica", "Check", "check.failed", 22),
    ("practica", "Environment", "environment.started", 8), ("practica", "Environment", "environment.stopped", 7),
    ("practica", "Lesson", "lesson.viewed", 12), ("practica", "Lesson", "lesson.published", 1.5),
    ("practica", "Lesson", "lesson.updated", 1.4), ("practica", "Organisation", "org.deleted", 0.02),
    ("forum", "Post", "post.created", 10), ("forum", "Post", "post.edited", 6),
    ("forum", "Thread", "thread.locked", 0.3),
    ("billing", "Invoice", "invoice.paid", 6), ("billing", "Invoice", "invoice.failed", 1.78),
]  # fmt: skip
CHUNK = 1_000_000  # entries made by one process in one go (see entries())
TOPICS = ["python", "shell", "git", "sql", "docker", "regex", "testing", "http"]


@dataclass(frozen=True)
class Shape:
    """The value space of a data set of ``entries`` entries (the workload picks its values from it)."""

    entries: int

    @property
    def users(self) -> int:
        return max(10, self.entries // 40)

    @property
    def lessons(self) -> int:
        return max(5, self.entries // 500)

    @property
    def threads(self) -> int:
        return max(5, self.entries // 200)

    def org_of(self, user: int) -> int:
        return user % ORGS


def rule_book() -> RuleBook:
    return RuleBook(CompiledRule.compile(RuleDefinition.model_validate(rule)) for rule in RULES)


def entries(shape: Shape, seed: int = 7, chunks: range | None = None) -> Iterator[dict[str, Any]]:
    """Messages in id order (of ``chunks``, all by default); ``occurred_at`` mostly follows, some arrive late.

    Each chunk of :data:`CHUNK` entries draws from a random generator of its own, so that chunks can be made
    in parallel; the first one's is the generator all entries came from before (up to 1,000,000 entries the
    data is what it was).
    """
    kinds, weights = ACTIONS, [weight for *_, weight in ACTIONS]
    step = YEAR / shape.entries
    for chunk in chunks if chunks is not None else range(chunk_count(shape)):
        rng = random.Random(seed if chunk == 0 else seed * 1_000_003 + chunk)
        for index in range(chunk * CHUNK, min((chunk + 1) * CHUNK, shape.entries)):
            app, subject_type, action, _ = rng.choices(kinds, weights)[0]
            user = int(rng.paretovariate(1.2) * 7) % shape.users  # a few very active users
            late = timedelta(hours=rng.expovariate(1 / 30)) if rng.random() < 0.01 else timedelta(0)
            occurred = START + step * index - late - timedelta(seconds=rng.randrange(60))
            subject, payload = _subject_and_payload(rng, shape, index, subject_type, user)
            performer = None if rng.random() < 0.04 else f"gid://practica/User/{user}"
            yield {
                "sequence_code": uuid.UUID(int=rng.getrandbits(128), version=4),
                "app": app, "subject": f"gid://{app}/{subject_type}/{subject}", "subject_type": subject_type,
                "action": action, "performer": performer, "payload": payload, "occurred_at": occurred,
            }  # fmt: skip


def chunk_count(shape: Shape) -> int:
    return -(-shape.entries // CHUNK)


def _subject_and_payload(
    rng: random.Random, shape: Shape, index: int, subject_type: str, user: int
) -> tuple[str, dict[str, Any]]:
    org = shape.org_of(user)
    lesson = min(int(rng.expovariate(8 / shape.lessons)), shape.lessons - 1)
    if subject_type == "Check":
        tests = rng.randrange(1, 12)
        body = {
            "lesson": {"id": str(lesson), "title": f"Lesson {lesson}"},
            "tests": {"passed": rng.randrange(tests + 1), "total": tests},
        }
        return str(index), {"org": org, **body, "duration_ms": rng.randrange(50, 20_000)}
    if subject_type in ("Lesson", "Environment"):
        payload: dict[str, Any] = {
            "org": org,
            "topics": rng.sample(TOPICS, rng.randrange(1, 4)),
            "revision": rng.randrange(1, 40),
        }
        if rng.random() < 0.02:
            payload["flag"] = {"gid": f"gid://plat/Flag/{rng.randrange(200)}", "reason": "review"}
        return str(lesson if subject_type == "Lesson" else index % (shape.users * 2)), payload
    if subject_type in ("Post", "Thread"):
        thread = rng.randrange(shape.threads)
        payload = {"org": org, "thread": str(thread), "words": rng.randrange(1, 800), "mentions": rng.randrange(4)}
        return str(index if subject_type == "Post" else thread), payload
    if subject_type == "Invoice":
        return str(index), {"org": org, "amount": round(rng.uniform(5, 500), 2), "currency": rng.choice(["EUR", "USD"])}
    return str(org), {"org": org, "reason": "closed"}


def load(conn: psycopg.Connection[Any], shape: Shape, seed: int = 7, report: Any = print) -> None:
    """Fill the (freshly migrated, empty) database behind ``conn`` with ``shape.entries`` entries."""
    for rule in RULES:
        conn.execute(
            "INSERT INTO tag_rules (name, kind, tag, match) VALUES (%s, %s, %s, %s)",
            (rule["name"], rule["kind"], rule["tag"], json.dumps(rule.get("match", {}))),
        )
    rebuild = _drop_indexes_and_constraints(conn)
    for month in range(-1, 13):  # the months the entries fall in (some arrive late), each a partition
        for statement in partition_statements(Month.of(START).plus(month)):
            conn.execute(statement)
    started = time.perf_counter()
    _copy_in_parallel(conn, shape, seed, report)
    report(f"copied {shape.entries:,} entries and their taggings in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    conn.execute("SET maintenance_work_mem = '1GB'")  # each index sorted in memory, not in runs on disk
    for statement in rebuild:
        conn.execute(statement)
    conn.execute("SELECT setval(pg_get_serial_sequence('entries', 'id'), (SELECT max(id) FROM entries))")
    conn.execute("VACUUM ANALYZE entries, feed_taggings, access_taggings")
    report(
        f"rebuilt {len(rebuild)} indexes and constraints, vacuumed, analysed in {time.perf_counter() - started:.0f} s"
    )


SPREAD_FEED_TAGS = (
    "INSERT INTO feed_taggings (tag, occurred_at, entry_id, access_tags)"
    " SELECT unnest(feed_tags), occurred_at, id, access_tags FROM entries"
)
SPREAD_ACCESS_TAGS = (
    "INSERT INTO access_taggings (tag, occurred_at, entry_id) SELECT unnest(access_tags), occurred_at, id FROM entries"
)
SECONDARY_INDEXES = """
SELECT format('DROP INDEX %I', i.indexrelid::regclass), replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ')
FROM pg_index i
WHERE i.indrelid = 'entries'::regclass AND NOT i.indisprimary AND NOT i.indisunique
"""
TAGGING_CONSTRAINTS = """
SELECT format('ALTER TABLE %I DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
       format('ALTER TABLE %I ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
FROM pg_constraint c
WHERE c.conrelid IN ('feed_taggings'::regclass, 'access_taggings'::regclass) AND c.contype IN ('p', 'f')
  AND c.conparentid = 0
ORDER BY c.contype = 'f'
"""


def _drop_indexes_and_constraints(conn: psycopg.Connection[Any]) -> list[str]:
    """Drop what slows a bulk load down; answer the statements that rebuild it (primary keys before foreign keys)."""
    rows = conn.execute(SECONDARY_INDEXES).fetchall() + conn.execute(TAGGING_CONSTRAINTS).fetchall()
    for drop, _ in reversed(rows):
        conn.execute(drop)
    return [create for _, create in rows]


TEXT_FIELDS = ("sequence_code", "app", "subject", "subject_type", "action", "performer")


def _copy_in_parallel(conn: psycopg.Connection[Any], shape: Shape, seed: int, report: Any) -> None:
    """Make and copy the entries and their taggings, a chunk at a time, in one process per core.

    Making an entry (and its tags) in Python costs several times what PostgreSQL spends storing it, so one
    process would keep one core busy and leave the other idle: at 30,000,000 entries, most of an hour.
    Each chunk commits on its own; a load cut short leaves fewer entries than asked for, and ``--reuse``
    then loads afresh.
    """
    conninfo = make_conninfo(conn.info.dsn, password=conn.info.password)
    chunks = chunk_count(shape)
    with ProcessPoolExecutor(max_workers=min(os.cpu_count() or 1, chunks)) as pool:
        work = [pool.submit(_copy_chunk, conninfo, shape, seed, chunk) for chunk in range(chunks)]
        for done, future in enumerate(as_completed(work), start=1):
            future.result()
            if chunks > 1:
                report(f"  {done}/{chunks} chunks of {CHUNK:,} entries copied")


def _copy_chunk(conninfo: str, shape: Shape, seed: int, chunk: int) -> None:
    first, last = chunk * CHUNK + 1, min((chunk + 1) * CHUNK, shape.entries)
    with psycopg.connect(conninfo) as conn, conn.transaction():
        _copy_entries(conn, shape, seed, range(chunk, chunk + 1))
        conn.execute(SPREAD_FEED_TAGS + " WHERE id BETWEEN %s AND %s", (first, last))
        conn.execute(SPREAD_ACCESS_TAGS + " WHERE id BETWEEN %s AND %s", (first, last))


def _copy_entries(conn: psycopg.Connection[Any], shape: Shape, seed: int, chunks: range) -> None:
    book = rule_book()
    columns = (
        "id, sequence_code, app, subject, subject_type, action, performer, payload, occurred_at, feed_tags, access_tags"
    )
    with conn.cursor().copy(f"COPY entries ({columns}) FROM STDIN") as copy:
        for entry_id, message in enumerate(entries(shape, seed, chunks), start=chunks.start * CHUNK + 1):
            view = EntryView(message["app"], message["subject"], message["action"], message["performer"],
                             message["payload"], message["occurred_at"].isoformat())  # fmt: skip
            tags = book.tags_for(view, message["subject_type"])
            row = [entry_id, *(message[field] for field in TEXT_FIELDS), json.dumps(message["payload"])]
            copy.write_row([*row, message["occurred_at"], list(tags.feed), list(tags.access)])
