"""Sealing: after the fact, each complete recorded day of every app becomes a link of that app's chain.

The sealer never touches ``entries`` and never runs on the ingestion path:
it reads days that the :mod:`~chronicles.integrity.horizon` says are
complete, one day per transaction, in order, advancing the one watermark
row it locks. A crash loses at most the day in progress, a second sealer
waits for the lock and then finds the day done, and sealing again changes
nothing (idempotent, resumable).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from psycopg import AsyncConnection

from chronicles.integrity.days import AppDay, read_day
from chronicles.integrity.encoding import day_head, genesis, pack_ids
from chronicles.integrity.horizon import SEAL_MARGIN, sealing_horizon

LOCK_WATERMARK = "SELECT sealed_from, sealed_through FROM chain_sealing FOR UPDATE"
FIRST_RECORDED_DAY = "SELECT (min(recorded_at) AT TIME ZONE 'UTC')::date FROM entries"
START_WATERMARK = """
INSERT INTO chain_sealing (sealed_from, sealed_through) VALUES (%(day)s, %(day)s - 1) ON CONFLICT DO NOTHING
"""
ADVANCE_WATERMARK = "UPDATE chain_sealing SET sealed_through = %s"
PREVIOUS_HEAD = "SELECT head FROM chain_seals WHERE app = %s AND day < %s ORDER BY day DESC LIMIT 1"
ANCHOR = "SELECT forgotten_before, head FROM chain_anchors WHERE app = %s"
INSERT_SEAL = """
INSERT INTO chain_seals (app, day, entries, first_id, last_id, id_deltas, digests, occurred_lags, previous_head, head)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""


@dataclass(frozen=True)
class SealRun:
    days: int
    entries: int
    sealed_through: date | None


async def seal(
    conn: AsyncConnection,
    *,
    margin: timedelta = SEAL_MARGIN,
    max_days: int | None = None,
    on_day: Callable[[date, int], None] | None = None,
) -> SealRun:
    """Seal every complete day not sealed yet (at most ``max_days``), oldest first; ``conn`` is autocommit."""
    last_complete = (await sealing_horizon(conn, margin)).last_complete_day
    days = entries = 0
    sealed_through = None
    while max_days is None or days < max_days:
        sealed = await seal_next_day(conn, last_complete)
        if sealed is None:
            break
        sealed_through, count = sealed
        days, entries = days + 1, entries + count
        if on_day is not None:
            on_day(sealed_through, count)
    return SealRun(days, entries, sealed_through)


async def seal_next_day(conn: AsyncConnection, last_complete: date) -> tuple[date, int] | None:
    """Seal the day after the watermark if it is complete: answer it and its entry count, or None."""
    async with conn.transaction():
        watermark = await _locked_watermark(conn)
        if watermark is None or watermark >= last_complete:
            return None
        day = watermark + timedelta(days=1)
        count = 0
        for app_day in (await read_day(conn, day)).values():
            count += await _seal_app_day(conn, day, app_day)
        await conn.execute(ADVANCE_WATERMARK, (day,))
    return day, count


async def _locked_watermark(conn: AsyncConnection) -> date | None:
    """The last sealed day (the day before the first entry's, the first time); None while nothing is stored."""
    row = await (await conn.execute(LOCK_WATERMARK)).fetchone()
    if row is None:
        first = await (await conn.execute(FIRST_RECORDED_DAY)).fetchone()
        if first is None or first[0] is None:
            return None
        await conn.execute(START_WATERMARK, {"day": first[0]})
        row = await (await conn.execute(LOCK_WATERMARK)).fetchone()
        assert row is not None
    sealed_through: date = row[1]
    return sealed_through


async def _seal_app_day(conn: AsyncConnection, day: date, app_day: AppDay) -> int:
    anchor = await (await conn.execute(ANCHOR, (app_day.app,))).fetchone()
    if anchor is not None and day < anchor[0]:
        return 0  # retention already forgot this app's days before anchor[0]
    previous = await chain_head_before(conn, app_day.app, day)
    head = day_head(previous, app_day.app, day, app_day.count, app_day.digests)
    await conn.execute(
        INSERT_SEAL,
        (
            app_day.app,
            day,
            app_day.count,
            app_day.first_id,
            app_day.last_id,
            pack_ids(app_day.deltas),
            app_day.shorts,
            zlib.compress(app_day.lags, 6),
            previous,
            head,
        ),
    )
    return app_day.count


async def chain_head_before(conn: AsyncConnection, app: str, day: date) -> bytes:
    """The head ``app``'s chain has before ``day``: its last sealed day's, else its retention anchor's, else genesis."""
    row = await (await conn.execute(PREVIOUS_HEAD, (app, day))).fetchone()
    if row is not None:
        return bytes(row[0])
    anchor = await (await conn.execute(ANCHOR, (app,))).fetchone()
    return bytes(anchor[1]) if anchor is not None else genesis(app)


FORGET_SEALS = "DELETE FROM chain_seals WHERE app = %s AND day < %s"
UPSERT_ANCHOR = """
INSERT INTO chain_anchors (app, forgotten_before, head) VALUES (%(app)s, %(before)s, %(head)s)
ON CONFLICT (app) DO UPDATE SET forgotten_before = EXCLUDED.forgotten_before, head = EXCLUDED.head,
                                forgotten_at = now()
WHERE chain_anchors.forgotten_before < EXCLUDED.forgotten_before
"""


async def forget_seals(conn: AsyncConnection, app: str, before: date) -> int:
    """Forget ``app``'s seals of days before ``before`` (retention dropped them); answer how many.

    The chain then starts at the anchor this leaves: the head of the last
    forgotten day, so ``chronicles verify`` checks the oldest remaining day
    against it, and a missing entry that occurred before ``before`` (retention
    drops by partition) is not reported. Call it in the transaction that drops
    the entries, or right after.
    """
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('chronicles.chain_anchors'), hashtext(%s))", (app,))
        head = await chain_head_before(conn, app, before)
        forgotten = await conn.execute(FORGET_SEALS, (app, before))
        await conn.execute(UPSERT_ANCHOR, {"app": app, "before": before, "head": head})
    return forgotten.rowcount
