"""Dead letters: listing them, re-driving them through the Ingestor, discarding them.

Re-driving takes the raw bytes as they first arrived (with their Kafka
position, so an entry without a ``sequence_code`` gets the same derived code
as before) through the same parse → tag → store path as any batch. One that
now passes is stored (idempotently: a repeat is a duplicate, not a second
entry) and marked ``redriven``; one that still fails stays ``pending`` with
one more attempt and its new error. Marking and storing commit together.

The same message arriving again while its letter is pending counts another
delivery on that letter (:mod:`chronicles.store.writer`); ``attempts``
counts re-drives.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import psycopg
from psycopg import AsyncConnection

from chronicles.ingest.parsing import RawMessage, Rejection, parse
from chronicles.ingest.service import Ingestor
from chronicles.store.writer import refuses_the_data

STATUSES = ("pending", "redriven", "discarded")
MAX_IDS = 1000
SELECT = """
SELECT id, source, raw, error, field, topic, partition, "offset", received_at, status, attempts, resolved_at,
       deliveries, last_received_at
FROM dead_letters
"""
LIST = (
    SELECT
    + """
WHERE (%(status)s::text IS NULL OR status = %(status)s::text) AND id > %(after)s
ORDER BY id LIMIT %(limit)s
"""
)
LOCK_PENDING = SELECT + "WHERE id = ANY(%s) AND status = 'pending' ORDER BY id FOR UPDATE"
ONE = SELECT + "WHERE id = %s"
STILL_FAILING = "UPDATE dead_letters SET attempts = attempts + 1, error = %s, field = %s WHERE id = %s"
REDRIVEN = """
UPDATE dead_letters SET status = 'redriven', attempts = attempts + 1, resolved_at = now() WHERE id = ANY(%s)
"""
DISCARD = """
UPDATE dead_letters SET status = 'discarded', resolved_at = now()
WHERE id = ANY(%s) AND status = 'pending' RETURNING id
"""


@dataclass(frozen=True)
class DeadLetterRow:
    """A row of ``dead_letters``, as listing and re-driving read it (the table itself: ``store.tables``)."""

    id: int
    source: str
    raw: bytes
    error: str
    field: str | None
    topic: str | None
    partition: int | None
    offset: int | None
    received_at: datetime
    status: str
    attempts: int
    resolved_at: datetime | None
    deliveries: int
    last_received_at: datetime | None

    @property
    def raw_text(self) -> str | None:
        try:
            return self.raw.decode("utf-8")
        except UnicodeDecodeError:
            return None

    @property
    def raw_base64(self) -> str:
        return base64.b64encode(self.raw).decode("ascii")

    def message(self) -> RawMessage:
        return RawMessage(self.raw, "redrive", self.topic, self.partition, self.offset)


@dataclass
class RedriveOutcome:
    redriven: list[int] = field(default_factory=list)
    failing: list[DeadLetterRow] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # not pending, or no such id


async def list_dead_letters(
    conn: AsyncConnection, *, status: str | None, first: int, after: int = 0
) -> tuple[list[DeadLetterRow], bool]:
    """A page of dead letters, oldest first, after id ``after``; and whether more follow."""
    rows = await (await conn.execute(LIST, {"status": status, "after": after, "limit": first + 1})).fetchall()
    return [DeadLetterRow(*row) for row in rows[:first]], len(rows) > first


async def redrive(conn: AsyncConnection, ingestor: Ingestor, ids: Sequence[int]) -> RedriveOutcome:
    outcome = RedriveOutcome()
    async with conn.transaction():
        letters = [DeadLetterRow(*row) for row in await (await conn.execute(LOCK_PENDING, (list(ids),))).fetchall()]
        found = {letter.id for letter in letters}
        outcome.skipped = [letter_id for letter_id in ids if letter_id not in found]
        for letter in letters:
            problem = await _try(conn, ingestor, letter)
            if problem is None:
                outcome.redriven.append(letter.id)
                continue
            field_name, message = problem
            error = f"{field_name}: {message}" if field_name else message
            await conn.execute(STILL_FAILING, (error, field_name, letter.id))
            outcome.failing.append(await _reload(conn, letter.id))
        if outcome.redriven:
            await conn.execute(REDRIVEN, (outcome.redriven,))
    return outcome


async def discard(conn: AsyncConnection, ids: Sequence[int]) -> list[int]:
    """Give up on pending dead letters (kept, marked ``discarded``); returns the ids discarded."""
    async with conn.transaction():
        return [row[0] for row in await (await conn.execute(DISCARD, (list(ids),))).fetchall()]


async def _try(conn: AsyncConnection, ingestor: Ingestor, letter: DeadLetterRow) -> tuple[str | None, str] | None:
    """Store the letter's entry; or (field, message) saying why it still cannot be stored."""
    raw = letter.message()
    parsed = parse(0, raw)
    if isinstance(parsed, Rejection):
        return parsed.field, parsed.message
    try:
        async with conn.transaction():  # a savepoint: a refused entry must not undo the others
            await ingestor.ingest_raw(conn, [raw], "redrive")
    except psycopg.DatabaseError as error:
        if not refuses_the_data(error, conn):
            raise
        return None, f"refused by the database: {str(error).strip()}"
    return None


async def _reload(conn: AsyncConnection, letter_id: int) -> DeadLetterRow:
    row = await (await conn.execute(ONE, (letter_id,))).fetchone()
    assert row is not None
    return DeadLetterRow(*row)
