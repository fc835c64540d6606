"""Helpers for the tests of operating Chronicles: storing entries, running the real worker, reading tags."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from psycopg import AsyncConnection
from pydantic import SecretStr

from chronicles.app import create_app
from chronicles.ingest.parsing import RawMessage
from chronicles.ingest.service import Ingestor
from chronicles.jobs import QUEUE, connected, jobs
from chronicles.settings import ChroniclesSettings
from chronicles.worker import register_tasks
from tests.chronicles.conftest import producer_headers

ADMIN_TOKEN = "s3cret-admin"
ARRAYS = {
    "feed": "SELECT id, subject, feed_tags FROM entries ORDER BY id",
    "access": "SELECT id, subject, access_tags FROM entries ORDER BY id",
}
TAGGINGS = {"feed": "SELECT entry_id, tag FROM feed_taggings", "access": "SELECT entry_id, tag FROM access_taggings"}
# Feed taggings whose copy of the entry's access tags (revision 0009) is not the entry's.
FEED_ACCESS_OUT_OF_STEP = """
SELECT e.subject, t.tag, t.access_tags, e.access_tags FROM feed_taggings AS t
JOIN entries AS e ON e.id = t.entry_id AND e.occurred_at = t.occurred_at
WHERE t.access_tags IS DISTINCT FROM e.access_tags
"""


async def store(conn: AsyncConnection, messages: Sequence[dict[str, Any]]) -> None:
    """Ingest ``messages`` the way the HTTP intake does (parse, tag with the stored rules, write)."""
    documents = [(message, RawMessage(json.dumps(message).encode(), "http")) for message in messages]
    outcome = await Ingestor().ingest_documents(conn, documents, "http")
    assert not outcome.rejections, outcome.rejections


async def run_worker(database_url: str) -> None:
    """The real procrastinate worker on the ``chronicles`` queue, until no job is left."""
    register_tasks()
    async with connected(jobs, database_url):
        await jobs.run_worker_async(wait=False, queues=[QUEUE], install_signal_handlers=False)


async def feed_tags(conn: AsyncConnection) -> dict[str, list[str]]:
    """subject → feed tags, checking that the tagging rows agree with the arrays and carry the access tags."""
    out_of_step = await (await conn.execute(FEED_ACCESS_OUT_OF_STEP)).fetchall()
    assert not out_of_step, (
        f"feed taggings with another copy of the access tags (subject, tag, copy, entry's): {out_of_step}"
    )
    return await _tags(conn, "feed")


async def access_tags(conn: AsyncConnection) -> dict[str, list[str]]:
    return await _tags(conn, "access")


async def _tags(conn: AsyncConnection, kind: str) -> dict[str, list[str]]:
    arrays = await (await conn.execute(ARRAYS[kind])).fetchall()
    rows = await (await conn.execute(TAGGINGS[kind])).fetchall()
    tagged: dict[int, set[str]] = {}
    for entry_id, tag in rows:
        tagged.setdefault(entry_id, set()).add(tag)
    for entry_id, subject, tags in arrays:
        assert set(tags) == tagged.get(entry_id, set()), f"{subject}: array {tags} but tagging rows {tagged}"
        assert len(tags) == len(set(tags)), f"{subject}: repeated tags {tags}"
    return {subject: sorted(tags) for _, subject, tags in arrays}


async def one(conn: AsyncConnection, query: str, *params: Any) -> Any:
    row = await (await conn.execute(query, params or None)).fetchone()
    assert row is not None
    return row[0] if len(row) == 1 else row


def sync_rows(url: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


class Admin:
    """A client of ``/internal/graphql`` with the admin token."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.token = token

    def post(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token if token is None else token}"}
        return self.client.post(
            "/internal/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        """Run ``query``; fail the test on any GraphQL error."""
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def errors(self, query: str, **variables: Any) -> list[dict[str, Any]]:
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        errors: list[dict[str, Any]] = response.json()["errors"]
        return errors


@contextmanager
def admin_client(database_url: str, home: Path, token: str = ADMIN_TOKEN) -> Iterator[Admin]:
    settings = ChroniclesSettings(
        chronicles_database_url=database_url, practica_home=home, chronicles_admin_token=SecretStr(token)
    )
    with TestClient(create_app(settings), headers=producer_headers(settings)) as client:
        yield Admin(client, token)
