"""A Chronicles database with old months of two apps: one month all ``billing`` (its own partition), one shared
with ``practica``, one in the DEFAULT partition, and recent entries; and the command line on it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner, Result

from chronicles.cli import app
from chronicles.store.partitions import Month, maintain_partitions
from tests.chronicles.conftest import libpq

# (app, first moment, entries, spacing): billing alone in 2024-01, billing and practica in 2024-02, billing in
# 2023-06 (left in DEFAULT: its month is never made), and billing this week.
ENTRIES = """
INSERT INTO entries (sequence_code, app, subject, subject_type, action, performer, payload, occurred_at,
                     feed_tags, access_tags)
SELECT gen_random_uuid(), %(app)s, 'gid://' || %(app)s || '/Invoice/' || n, 'Invoice', 'invoice.sent',
       'gid://' || %(app)s || '/User/' || (n %% 7), jsonb_build_object('n', n, 'note', 'caf\u00e9'),
       %(start)s::timestamptz + n * %(spacing)s::interval, ARRAY['news', 'n:' || (n %% 5)], ARRAY['public']
FROM generate_series(0, %(count)s - 1) AS n
"""
TAGGINGS = [
    "INSERT INTO feed_taggings SELECT unnest(feed_tags), occurred_at, id FROM entries WHERE id > %s",
    "INSERT INTO access_taggings SELECT unnest(access_tags), occurred_at, id FROM entries WHERE id > %s",
]
SNAPSHOT = """
SELECT id, sequence_code::text, app, subject, subject_type, action, performer, payload, occurred_at, recorded_at,
       feed_tags, access_tags
FROM entries ORDER BY id
"""


@dataclass(frozen=True)
class Batch:
    app: str
    start: str
    count: int
    spacing: str = "1 minute"


SMALL = [
    Batch("billing", "2024-01-03T00:00:00Z", 30, "1 day"),
    Batch("billing", "2024-02-01T00:00:00Z", 20, "1 day"),
    Batch("practica", "2024-02-01T12:00:00Z", 10, "1 day"),
    Batch("billing", "2023-06-10T00:00:00Z", 5),
    Batch("billing", "now", 3),
]


def insert(url: str, batches: list[Batch]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for batch in batches:
            before = conn.execute("SELECT coalesce(max(id), 0) FROM entries").fetchone()
            params = {"app": batch.app, "start": batch.start, "count": batch.count, "spacing": batch.spacing}
            conn.execute(ENTRIES, params)
            for statement in TAGGINGS:
                conn.execute(statement, before)


async def _adopt(url: str) -> list[Month]:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        return await maintain_partitions(conn)


def old_database(url: str, batches: list[Batch]) -> str:
    """``batches`` stored; the months of all but 2023-06 made (their rows moved out of DEFAULT)."""
    insert(url, [batch for batch in batches if not batch.start.startswith("2023")])
    asyncio.run(_adopt(url))
    insert(url, [batch for batch in batches if batch.start.startswith("2023")])
    return url


def snapshot(url: str) -> dict[int, dict[str, Any]]:
    """Every entry by id, as the export writes it."""
    with psycopg.connect(url) as conn:
        cursor = conn.execute(SNAPSHOT)
        names = [column.name for column in cursor.description or ()]
        entries = {}
        for row in cursor.fetchall():
            entry = dict(zip(names, row, strict=True))
            entry["occurred_at"], entry["recorded_at"] = (
                entry["occurred_at"].isoformat(),
                entry["recorded_at"].isoformat(),
            )
            entries[entry["id"]] = entry
        return entries


@pytest.fixture
def database(chronicles_db_url: str) -> str:
    return old_database(libpq(chronicles_db_url), SMALL)


@dataclass
class Chronicles:
    """``chronicles`` on the test database: in this process, or as a process of its own (to be killed)."""

    database_url: str
    home: Path

    def env(self) -> dict[str, str]:
        return {"CHRONICLES_DATABASE_URL": self.database_url, "PRACTICA_HOME": str(self.home)}

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=self.env())

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        environment = {**os.environ, **self.env(), "LOG_LEVEL": "WARNING"}
        command = [sys.executable, "-m", "chronicles", *args]
        return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.fixture
def chronicles(chronicles_db_url: str, tmp_path: Path) -> Chronicles:
    return Chronicles(chronicles_db_url, tmp_path / "home")
