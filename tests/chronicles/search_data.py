"""A small, varied set of entries and tag rules for the search tests, and the search's meaning in plain Python.

:func:`reference` is the specification the SQL is checked against: the same
filter evaluated row by row (payload conditions through
``chronicles.rules.conditions.holds``), newest first.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg import AsyncConnection

from chronicles.contract.filters import EntryFilter, TagMatch
from chronicles.ingest.parsing import RawMessage
from chronicles.ingest.service import Ingestor
from chronicles.rules.conditions import holds

BASE = datetime(2026, 3, 1, tzinfo=UTC)
RULES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("org-access", "access", "org:{payload.org}", {}),
    ("public-access", "access", "public", {"actions": ["lesson.published"]}),
    ("lesson-feed", "feed", "lesson:{subject.id}", {"subject_types": ["Lesson"]}),
    ("check-lesson-feed", "feed", "lesson:{payload.lesson}", {"subject_types": ["Check"]}),
    ("user-feed", "feed", "user:{performer.id}", {}),
    ("flagged-feed", "feed", "flagged", {"payload": [{"operation": "EXISTS", "path": ["flag", "gid"]}]}),
]
TITLES = ["Pipes and filters", "Shell basics", "Regular expressions", "a'; DROP TABLE entries; --", "ünïcödé ☃"]
COLUMNS = (
    "id, sequence_code, app, subject, subject_type, action, performer, payload, occurred_at, recorded_at, "
    "feed_tags, access_tags"
)


def install_rules(conn: psycopg.Connection[Any]) -> None:
    for name, kind, tag, match in RULES:
        conn.execute(
            "INSERT INTO tag_rules (name, kind, tag, match) VALUES (%s, %s, %s, %s)",
            (name, kind, tag, json.dumps(match)),
        )


def message(index: int) -> dict[str, Any]:
    """Entry ``index`` of the data set: four kinds of entries in three organisations, some at the same instant."""
    kind, org = index % 4, 3 if index % 11 == 10 else index % 2 + 1
    minute = index - (1 if index % 7 == 6 else 0)  # every 7th entry shares its instant with the one before
    common = {
        "sequence_code": str(uuid.UUID(int=index + 1)),
        "occurred_at": (BASE + timedelta(minutes=minute)).isoformat(),
        "performer": f"gid://practica/User/{index % 5}",
    }
    if kind == 0:
        payload = {"org": org, "title": TITLES[index % 5], "score": index % 7, "labels": ["red", f"l{index % 3}"]}
        return {
            **common,
            "app": "practica",
            "subject": f"gid://practica/Lesson/{index % 3}",
            "action": "lesson.published",
            "payload": payload,
        }
    if kind in (1, 2):
        payload = {
            "org": org,
            "lesson": str(index % 3),
            "tests": {"passed": index // 4 % 4, "total": 3},
            "ratio": index / 8,
        }
        action = "check.passed" if kind == 1 else "check.failed"
        return {
            **common,
            "app": "practica",
            "subject": f"gid://practica/Check/{index}",
            "action": action,
            "payload": payload,
        }
    payload = {"org": org, "flag": {"gid": f"gid://plat/Flag/{index % 3}", "on": index % 3 == 0}, "words": index * 3}
    forum = {**common, "app": "forum", "subject": f"gid://forum/Post/{index % 6}", "action": "post.created"}
    if index % 8 == 7:
        del forum["performer"]  # the system
    return {**forum, "payload": payload}


def messages(count: int = 48) -> list[dict[str, Any]]:
    return [message(index) for index in range(count)]


@dataclass(frozen=True)
class Row:
    id: int
    sequence_code: uuid.UUID
    app: str
    subject: str
    subject_type: str
    action: str
    performer: str | None
    payload: dict[str, Any]
    occurred_at: datetime
    recorded_at: datetime
    feed_tags: list[str]
    access_tags: list[str]


def stored_rows(conn: psycopg.Connection[Any]) -> list[Row]:
    return [Row(*row) for row in conn.execute(f"SELECT {COLUMNS} FROM entries").fetchall()]  # noqa: S608  (fixed text)


def reference(rows: Sequence[Row], entry_filter: EntryFilter, access_tags: Sequence[str]) -> list[uuid.UUID]:
    """The sequence codes a search must answer, newest first."""
    matching = [row for row in rows if _visible(row, access_tags) and _matches(row, entry_filter)]
    matching.sort(key=lambda row: (row.occurred_at, row.id), reverse=True)
    return [row.sequence_code for row in matching]


def _visible(row: Row, access_tags: Sequence[str]) -> bool:
    return bool(set(row.access_tags) & set(access_tags))


def _matches(row: Row, f: EntryFilter) -> bool:
    lists: list[tuple[Sequence[str] | None, str | None]] = [
        (f.apps, row.app),
        (f.subjects, row.subject),
        (f.subject_types, row.subject_type),
    ]
    lists += [(f.actions, row.action), (f.performers, row.performer)]
    if any(values is not None and value not in values for values, value in lists):
        return False
    if f.feed_tags is not None:
        wanted, carried = set(f.feed_tags), set(row.feed_tags)
        if not (wanted <= carried if f.feed_tags_match is TagMatch.ALL else wanted & carried):
            return False
    if f.occurred_after is not None and row.occurred_at < f.occurred_after:
        return False
    if f.occurred_before is not None and row.occurred_at >= f.occurred_before:
        return False
    return all(holds(condition, row.payload) for condition in f.payload or ())


async def ingest(
    conn: AsyncConnection, documents: list[dict[str, Any]], *rules: tuple[str, str, str, dict[str, Any]]
) -> None:
    """Install ``rules`` and ingest ``documents`` the way the HTTP intake does."""
    for name, kind, tag, match in rules:
        await conn.execute(
            "INSERT INTO tag_rules (name, kind, tag, match) VALUES (%s, %s, %s, %s)",
            (name, kind, tag, json.dumps(match)),
        )
    raws = [(document, RawMessage(json.dumps(document).encode(), "http")) for document in documents]
    outcome = await Ingestor().ingest_documents(conn, raws, "http")
    assert outcome.rejections == []
    assert outcome.result.inserted == len(documents)
