"""Backfills: applying one tag rule to the entries already stored, as chained jobs with progress.

A backfill is a row in ``backfills`` and a chain of jobs on the ``chronicles``
queue. Each job handles one chunk of ids (``next_id < id <= next_id +
CHUNK_SIZE``, never past ``upper_id``) in one transaction: it re-tags the
chunk (see :mod:`chronicles.rules.retag`), records progress (``next_id``,
``scanned``, ``tagged``, ``untagged``) and queues the next job, all committed
together. A worker that dies mid-chunk loses that transaction only; the
periodic ``resume`` job queues the next chunk again for every unfinished
backfill, which continues from ``next_id``. The two jobs are in
:mod:`chronicles.rules.tasks`; this module queues them by name.

Bounds. ``upper_id`` is ``max(id)`` read while the rule change holds the rule
table (see :mod:`chronicles.rules.service`): every entry tagged with an older
version of the rule is at or below it, and every entry above it was tagged
with the new one on the way in.

Changed rules. A rule keeps the definitions it had before each change in
``tag_rules.retired``; a backfill copies that list into ``previous`` when it
is queued and removes the tags those versions gave that the current one does
not (unless another rule gives them). When it finishes it drops exactly those
definitions from ``retired``. A new change supersedes an unfinished backfill
(its chain stops at the next chunk) and the new backfill's ``previous`` still
holds every version whose tags may be left, so changing a rule twice, or once
with ``--no-backfill`` and later by hand, still ends with correct tags.
Deleting a rule keeps its tags on stored entries; disable it first (which
backfills the removal), then delete it.
"""

from __future__ import annotations

import structlog
from procrastinate.exceptions import AlreadyEnqueued
from psycopg import AsyncConnection, OperationalError
from psycopg.types.json import Jsonb

from chronicles.errors import InputError
from chronicles.jobs import QUEUE, jobs
from chronicles.rules.book import RuleDefinition
from chronicles.rules.repository import load_rule_book
from chronicles.rules.retag import ChunkChanges, Versions, retag_chunk

CHUNK_TASK = "chronicles.backfill_chunk"
RESUME_TASK = "chronicles.backfills_resume"
CHUNK_SIZE = 5_000
UNFINISHED = ("queued", "running")
log = structlog.get_logger(__name__)

INSERT = """
INSERT INTO backfills (rule_id, status, upper_id, next_id, start_id, rule_revision, previous)
SELECT r.id, 'queued', b.upper_id, b.start_id, b.start_id, r.revision, r.retired
FROM tag_rules AS r, (SELECT coalesce(min(id), 1) - 1 AS start_id, coalesce(max(id), 0) AS upper_id FROM entries) AS b
WHERE r.id = %s
RETURNING id, upper_id <= start_id
"""
STATE = """
SELECT b.status, b.next_id, b.upper_id, b.previous, b.rule_revision, b.rule_id
FROM backfills AS b WHERE b.id = %s FOR UPDATE
"""
RULE = "SELECT name, kind, tag, match, enabled, revision FROM tag_rules WHERE id = %s"
PROGRESS = """
UPDATE backfills SET status = 'running', next_id = %s, scanned = scanned + %s, tagged = tagged + %s,
                     untagged = untagged + %s, error = NULL
WHERE id = %s
"""
FINISH = "UPDATE backfills SET status = %s, finished_at = now(), error = %s WHERE id = %s"


async def queue(conn: AsyncConnection, rule_id: int) -> int:
    """Record a backfill of the rule over every stored entry and queue its first job (caller's transaction)."""
    await supersede(conn, rule_id)
    row = await (await conn.execute(INSERT, (rule_id,))).fetchone()
    assert row is not None, f"no tag rule {rule_id}"
    backfill_id, empty = row
    if empty:  # nothing stored yet: done at once, in this transaction
        await _finish(conn, backfill_id, rule_id)
    else:
        await defer_chunk(conn, backfill_id)
    return int(backfill_id)


async def start_backfill(conn: AsyncConnection, rule_name: str) -> int:
    """Backfill a rule by hand (after ``--no-backfill``, or a ``failed`` one); supersedes an unfinished one."""
    row = await (await conn.execute("SELECT id FROM tag_rules WHERE name = %s", (rule_name,))).fetchone()
    if row is None:
        raise InputError.one("ruleName", f"no tag rule is named {rule_name!r}")
    return await queue(conn, row[0])


async def supersede(conn: AsyncConnection, rule_id: int) -> None:
    """Stop the rule's unfinished backfills (their chains end at their next chunk)."""
    await conn.execute(
        "UPDATE backfills SET status = 'superseded', finished_at = now() WHERE rule_id = %s AND status = ANY(%s)",
        (rule_id, list(UNFINISHED)),
    )


async def defer_chunk(conn: AsyncConnection, backfill_id: int, chunk_size: int | None = None) -> bool:
    """Queue the backfill's next job in ``conn``'s transaction; False when one is already waiting."""
    chunk_size = chunk_size or CHUNK_SIZE
    lock = f"chronicles-backfill-{backfill_id}"
    deferrer = jobs.configure_task(CHUNK_TASK, connection=conn, queueing_lock=lock, queue=QUEUE)
    try:
        async with conn.transaction():  # a savepoint: the queueing-lock violation must not abort the caller
            await deferrer.defer_async(backfill_id=backfill_id, chunk_size=chunk_size)
    except AlreadyEnqueued:
        return False
    return True


async def process_chunk(conn: AsyncConnection, backfill_id: int, chunk_size: int | None = None) -> bool:
    """Re-tag the next chunk in one transaction; True while chunks remain (the next job is queued)."""
    chunk_size = chunk_size or CHUNK_SIZE
    async with conn.transaction():
        found = await (await conn.execute("SELECT rule_id FROM backfills WHERE id = %s", (backfill_id,))).fetchone()
        if found is None:
            return False  # its rule was deleted
        rule = await (await conn.execute(RULE, found)).fetchone()  # before the row lock: see the module docstring
        state = await (await conn.execute(STATE, (backfill_id,))).fetchone()
        if rule is None or state is None or state[0] not in UNFINISHED:
            return False
        _, next_id, upper_id, previous, revision, rule_id = state
        if revision != rule[5]:
            await conn.execute(FINISH, ("superseded", "the rule changed again", backfill_id))
            return False
        definition = RuleDefinition(name=rule[0], kind=rule[1], tag=rule[2], match=rule[3], enabled=rule[4])
        versions = Versions.build(definition, previous, await load_rule_book(conn))
        if versions.idle:  # a disabled rule with nothing left to clean up: no entry can change
            high, scanned, changes = upper_id, 0, ChunkChanges()
        else:
            high = min(next_id + chunk_size, upper_id)
            scanned, changes = await retag_chunk(conn, versions, next_id, high)
        await conn.execute(PROGRESS, (high, scanned, changes.tagged, changes.untagged, backfill_id))
        if high >= upper_id:
            await _finish(conn, backfill_id, rule_id)
            return False
        await defer_chunk(conn, backfill_id, chunk_size)  # unless one is already waiting
        return True


async def resume_backfills(conn: AsyncConnection) -> list[int]:
    """Queue the next job of every unfinished backfill that has none waiting (after a crash, a lost job)."""
    async with conn.transaction():
        rows = await (
            await conn.execute("SELECT id FROM backfills WHERE status = ANY(%s) ORDER BY id", (list(UNFINISHED),))
        ).fetchall()
        return [row[0] for row in rows if await defer_chunk(conn, row[0])]


async def _finish(conn: AsyncConnection, backfill_id: int, rule_id: int) -> None:
    """Mark it done and forget the retired versions it cleaned up (a later change may have added more)."""
    await conn.execute(FINISH, ("done", None, backfill_id))
    row = await (
        await conn.execute(
            "SELECT r.retired, b.previous FROM tag_rules AS r JOIN backfills AS b ON b.rule_id = r.id WHERE b.id = %s",
            (backfill_id,),
        )
    ).fetchone()
    if row and row[0]:
        retired = [version for version in row[0] if version not in row[1]]
        await conn.execute("UPDATE tag_rules SET retired = %s WHERE id = %s", (Jsonb(retired), rule_id))
    log.info("backfills.done", backfill=backfill_id, rule=rule_id)


async def record_failure(conn: AsyncConnection, backfill_id: int, error: Exception, final: bool) -> None:
    """Keep the error beside the progress; after the last attempt the backfill is ``failed``."""
    message = f"{type(error).__name__}: {error}"[:1000]
    log.error("backfills.chunk_failed", backfill=backfill_id, error=message, final=final)
    try:
        async with conn.transaction():
            if final:
                await conn.execute(FINISH, ("failed", message, backfill_id))
            else:
                await conn.execute("UPDATE backfills SET error = %s WHERE id = %s", (message, backfill_id))
    except OperationalError:  # the database is gone as well; the retry or `resume` picks it up
        log.warning("backfills.failure_not_recorded", backfill=backfill_id)
