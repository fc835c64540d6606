"""Entries recorded on chosen past days (``recorded_at`` set explicitly, as ingestion on that day would have)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import psycopg

DAYS = [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)]
APPS = ("forum", "practica")
PER_APP_AND_DAY = 4

INSERT = """
INSERT INTO entries (sequence_code, app, subject, subject_type, action, performer, payload, occurred_at, recorded_at,
                     feed_tags)
VALUES (gen_random_uuid(), %(app)s, %(subject)s, 'Lesson', 'lesson.viewed', %(performer)s, %(payload)s,
        %(occurred)s, %(recorded)s, '{feed:a}')
RETURNING id, sequence_code::text
"""


@dataclass(frozen=True)
class Stored:
    id: int
    sequence_code: str
    app: str
    day: date


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def put(
    conn: psycopg.Connection[Any],
    app: str,
    recorded: datetime,
    *,
    occurred: datetime | None = None,
    payload: dict[str, Any] | None = None,
    performer: str | None = "gid://practica/User/1",
) -> Stored:
    row = conn.execute(
        INSERT,
        {
            "app": app,
            "subject": f"gid://{app}/Lesson/{recorded.timestamp():.0f}",
            "performer": performer,
            "payload": json.dumps(payload if payload is not None else {"title": "Pipes", "n": 1}),
            "occurred": occurred or recorded - timedelta(seconds=3),
            "recorded": recorded,
        },
    ).fetchone()
    assert row is not None
    return Stored(row[0], row[1], app, recorded.date())


def fill(conn: psycopg.Connection[Any]) -> list[Stored]:
    """Entries of both apps on every day of :data:`DAYS`, their ids interleaved, in recorded order."""
    stored = []
    for day in DAYS:
        for n in range(PER_APP_AND_DAY):
            for app in APPS:
                stored.append(put(conn, app, at(day, 1 + 5 * n, 7), payload={"title": "Pipes", "n": n}))
    return stored


def of(stored: list[Stored], app: str, day: date) -> list[Stored]:
    return [entry for entry in stored if entry.app == app and entry.day == day]
