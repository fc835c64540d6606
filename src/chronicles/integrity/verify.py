"""Verifying the chain: recompute every sealed day from the entries as stored and name the first difference.

Per app, days are checked in order from the oldest remaining sealed day
(after what retention forgot) through the sealing watermark. For each day
the stored ids and short digests are compared with the current ones as
bytes; only when they differ is the day walked entry by entry, in id order,
to name the first entry that is altered (same id, other digest), missing
(sealed, now absent) or extra (present in a sealed day, never sealed). When
they agree the day's head is recomputed over the full digests and must equal
the sealed head, whose predecessor must be the head of the app's previous
sealed day (a removed day breaks that link).
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from psycopg import AsyncConnection

from chronicles.integrity.days import AppDay, read_day
from chronicles.integrity.encoding import SHORT, day_head, ids_from_deltas, unpack_deltas
from chronicles.integrity.sealing import chain_head_before

WATERMARK = "SELECT sealed_from, sealed_through FROM chain_sealing"
ANCHORS = "SELECT app, forgotten_before FROM chain_anchors"
DAY_SEALS = """
SELECT app, entries, id_deltas, digests, occurred_lags, previous_head, head FROM chain_seals
WHERE day = %(day)s AND (%(app)s::text IS NULL OR app = %(app)s::text)
"""
PREVIOUS_SEALED_DAY = "SELECT max(day) FROM chain_seals WHERE app = %s AND day < %s"
ENTRY = "SELECT sequence_code, recorded_at FROM entries WHERE id = %s"


@dataclass(frozen=True)
class Seal:
    app: str
    entries: int
    id_deltas: bytes
    digests: bytes
    occurred_lags: bytes
    previous_head: bytes
    head: bytes


@dataclass(frozen=True)
class Finding:
    """The first thing wrong in an app's chain."""

    kind: str  # altered | missing | extra | seal | chain
    day: date
    entry_id: int | None = None
    sequence_code: str | None = None
    detail: str = ""


@dataclass
class AppReport:
    """What was checked of one app and the first finding, if any."""

    app: str
    days: int = 0
    entries: int = 0
    first_day: date | None = None
    last_day: date | None = None
    head: bytes | None = None
    finding: Finding | None = None

    def checked(self, day: date, entries: int, head: bytes) -> None:
        self.days, self.entries, self.head = self.days + 1, self.entries + entries, head
        self.first_day, self.last_day = self.first_day or day, day


@dataclass(frozen=True)
class Range:
    first: date
    last: date

    @property
    def days(self) -> int:
        return max(0, (self.last - self.first).days + 1)


@dataclass
class Verification:
    """Verifying ``app`` (or every app) over ``days``: the sealed range clipped to the options."""

    conn: AsyncConnection
    app: str | None
    days: Range
    forgotten_before: dict[str, date]
    readers: list[AsyncConnection] = field(default_factory=list)  # connections that read days ahead
    reports: dict[str, AppReport] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.readers = self.readers or [self.conn]

    async def run(self, on_day: Callable[[date], None] | None = None) -> list[AppReport]:
        """Check every day in order while the next days' entries are read ahead, one day per reader."""
        days = [self.days.first + timedelta(days=n) for n in range(self.days.days)]
        ahead: dict[int, asyncio.Task[dict[str, AppDay]]] = {}
        try:
            for index, day in enumerate(days):
                for upcoming in range(index, min(index + len(self.readers), len(days))):
                    if upcoming not in ahead:
                        reader = self.readers[upcoming % len(self.readers)]
                        ahead[upcoming] = asyncio.create_task(read_day(reader, days[upcoming], self.app))
                await self.check_day(day, await ahead.pop(index))
                if on_day is not None:
                    on_day(day)
        finally:
            for task in ahead.values():
                task.cancel()
            await asyncio.gather(*ahead.values(), return_exceptions=True)
        return [self.reports[app] for app in sorted(self.reports)]

    async def check_day(self, day: date, current: dict[str, AppDay]) -> None:
        seals = await self._seals(day)
        for app in sorted(seals.keys() | current.keys()):
            report = self.reports.setdefault(app, AppReport(app))
            if report.finding is not None or day < self.forgotten_before.get(app, date.min):
                continue
            report.finding = await self._check_app_day(report, day, seals.get(app), current.get(app))

    async def _seals(self, day: date) -> dict[str, Seal]:
        cursor = self.conn.cursor(binary=True)
        await cursor.execute(DAY_SEALS, {"day": day, "app": self.app})
        return {row[0]: Seal(*row) for row in await cursor.fetchall()}

    async def _check_app_day(
        self, report: AppReport, day: date, seal: Seal | None, current: AppDay | None
    ) -> Finding | None:
        if seal is None:
            assert current is not None
            return await self._named(Finding("extra", day, current.first_id, detail="in a sealed day, never sealed"))
        if report.head is None:
            report.head = await chain_head_before(self.conn, report.app, day)
        if seal.previous_head != report.head:
            return await self._broken_link(report, day)
        finding = await self._compare(report.app, day, seal, current)
        if finding is None:
            report.checked(day, seal.entries, seal.head)
        return finding

    async def _broken_link(self, report: AppReport, day: date) -> Finding:
        row = await (await self.conn.execute(PREVIOUS_SEALED_DAY, (report.app, day))).fetchone()
        before = f"sealed day {row[0]}" if row and row[0] else "the start of the chain"
        detail = f"its previous head is not the head of {before}: a sealed day (entries and seal) was removed"
        return Finding("chain", day, detail=detail)

    async def _compare(self, app: str, day: date, seal: Seal, current: AppDay | None) -> Finding | None:
        stored_deltas = unpack_deltas(seal.id_deltas)
        if current is not None and current.deltas == stored_deltas and current.shorts == seal.digests:
            if day_head(seal.previous_head, app, day, current.count, current.digests) == seal.head:
                return None
            return Finding("seal", day, detail="its entries match their digests but not the sealed head")
        excused = self._excused(app, day, seal)
        difference = first_difference(ids_from_deltas(stored_deltas), seal.digests, current, excused)
        if difference is None:
            return None  # every difference is an entry retention dropped
        kind, entry_id = difference
        return await self._named(Finding(kind, day, entry_id))

    def _excused(self, app: str, day: date, seal: Seal) -> Callable[[int], bool]:
        """Whether the n-th sealed entry may be missing: it occurred before what retention forgot."""
        before = self.forgotten_before.get(app)
        if before is None:
            return lambda _: False
        lags = zlib.decompress(seal.occurred_lags)
        limit = (day - before).days  # occurred before ``before`` ⇔ lag > day - before

        def excused(index: int) -> bool:
            return int.from_bytes(lags[index * 4 : index * 4 + 4], "big", signed=True) > limit

        return excused

    async def _named(self, finding: Finding) -> Finding:
        """Add the entry's sequence code (and, for a missing one still stored elsewhere, its new recorded_at)."""
        if finding.entry_id is None:
            return finding
        row = await (await self.conn.execute(ENTRY, (finding.entry_id,))).fetchone()
        if row is None:
            return finding
        sequence_code, recorded_at = row
        if finding.kind == "missing":
            detail = f"still stored, but its recorded_at was changed to {recorded_at.isoformat()}"
            return Finding("altered", finding.day, finding.entry_id, str(sequence_code), detail)
        return Finding(finding.kind, finding.day, finding.entry_id, str(sequence_code), finding.detail)


def first_difference(
    stored_ids: list[int], stored_shorts: bytes, current: AppDay | None, excused: Callable[[int], bool]
) -> tuple[str, int] | None:
    """Walk the sealed and the current entries in id order: the first altered, missing or extra entry."""
    current_ids = ids_from_deltas(current.deltas) if current is not None else []
    current_shorts = current.shorts if current is not None else b""
    i = j = 0
    while i < len(stored_ids) or j < len(current_ids):
        if j == len(current_ids) or (i < len(stored_ids) and stored_ids[i] < current_ids[j]):
            if not excused(i):
                return "missing", stored_ids[i]
            i += 1
        elif i == len(stored_ids) or current_ids[j] < stored_ids[i]:
            return "extra", current_ids[j]
        elif stored_shorts[i * SHORT : (i + 1) * SHORT] != current_shorts[j * SHORT : (j + 1) * SHORT]:
            return "altered", stored_ids[i]
        else:
            i, j = i + 1, j + 1
    return None


async def prepare(
    conn: AsyncConnection,
    app: str | None,
    first: date | None,
    last: date | None,
    readers: Sequence[AsyncConnection] = (),
) -> Verification | None:
    """The verification of the sealed range clipped to ``first``/``last``; None while nothing is sealed.

    ``readers`` (other connections to the same database) read the next days while one is checked: the
    digests are PostgreSQL's work, so two readers use two cores.
    """
    watermark = await (await conn.execute(WATERMARK)).fetchone()
    if watermark is None:
        return None
    sealed_from, sealed_through = watermark
    days = Range(max(sealed_from, first or sealed_from), min(sealed_through, last or sealed_through))
    anchors: dict[str, Any] = dict(await (await conn.execute(ANCHORS)).fetchall())
    return Verification(conn, app, days, anchors, [conn, *readers])
