"""``chronicles retention``: export the old months of some apps, then remove them from the store.

For each month wholly older than the cutoff (oldest first), each app's
entries of it are exported (:mod:`chronicles.retention.archive`), then
removed: when the month's partition holds nothing but exported entries of the
apps being retained away, its partitions are detached and dropped (cheap,
whatever their size); otherwise the exported entries are deleted by id in
batches. Every step can be interrupted: a run again finds what is exported
from the manifests and what is left from the database, exports what is not,
and removes only what is.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from psycopg import AsyncConnection
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from chronicles.integrity.sealing import forget_seals
from chronicles.retention.archive import ArchiveError, MonthArchive
from chronicles.retention.store import (
    RUN_LOCK,
    OldMonth,
    delete_exported,
    drop_month_if_all_exported,
    holds_other_apps,
    old_months,
    remember_exported,
    stream_unexported,
)
from chronicles.store.partitions import Month, existing_months

Advance = Callable[[int], None]  # moves the progress bar on by that many entries
DAYS = re.compile(r"^\s*(\d+)\s*d\s*$")
DEFAULT_BATCH = 5000


def parse_older_than(text: str) -> timedelta:
    """``400d``: a whole number of days, at least one."""
    match = DAYS.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a number of days (e.g. 400d)")
    if int(match[1]) < 1:
        raise ValueError(f"{text!r} must be at least 1d")
    return timedelta(days=int(match[1]))


@dataclass(frozen=True)
class RetentionRequest:
    apps: tuple[str, ...]
    older_than: timedelta
    out: Path
    dry_run: bool = False
    batch_size: int = DEFAULT_BATCH
    now: datetime | None = None

    @property
    def first_kept_month(self) -> Month:
        """Months before this one are wholly older than the cutoff."""
        return Month.of((self.now or datetime.now(UTC)) - self.older_than)


@dataclass
class Totals:
    exported: int = 0
    deleted: int = 0
    dropped: int = 0


async def run_retention(database_url: str, request: RetentionRequest, console: Console) -> int:
    """Do (or, dry, describe) the retention; the exit status."""
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", (RUN_LOCK,))
        if not (row := await cursor.fetchone()) or not row[0]:
            console.print("[red]chronicles retention: another retention is running on this database[/]")
            return 1
        months = await _plan(conn, request)
        if not months:
            apps = ", ".join(request.apps)
            console.print(f"nothing to do: no entries of {apps} before {request.first_kept_month.label}")
            return 0
        await _describe_plan(conn, request, months, console)
        if request.dry_run:
            console.print("dry run: nothing exported, nothing removed")
            return 0
        try:
            totals = await _retire(conn, request, months, console)
        except ArchiveError as error:
            console.print(f"[red]chronicles retention: {error}[/]", highlight=False)
            return 1
        except OSError as error:
            console.print(f"[red]chronicles retention: cannot write the exports (--out {request.out}): {error}[/]")
            return 1
    console.print(
        f"[green]done:[/] {totals.exported:,} entries exported to {request.out}, {totals.deleted:,} deleted"
        f" in batches, {totals.dropped} month(s) dropped whole"
    )
    return 0


async def _plan(conn: AsyncConnection, request: RetentionRequest) -> list[OldMonth]:
    return await old_months(conn, request.apps, request.first_kept_month, await existing_months(conn))


async def _describe_plan(
    conn: AsyncConnection, request: RetentionRequest, months: Sequence[OldMonth], console: Console
) -> None:
    """One line per month and app: entries in the store, entries already exported, and how the month goes."""
    console.print(f"[bold]Retention of {', '.join(request.apps)}[/]: months before {request.first_kept_month.label}")
    for old in months:
        removal = await _removal(conn, request, old)
        for app, count in sorted(old.counts.items()):
            done = sum(part.count for part in MonthArchive(request.out, app, old.month).parts())
            console.print(
                f"  {old.month.label}  {app}: {count:,} entries ({done:,} exported already), then {removal}",
                highlight=False,
                soft_wrap=True,
            )


async def _removal(conn: AsyncConnection, request: RetentionRequest, old: OldMonth) -> str:
    if old.partition is None:
        return "delete in batches (rows in the DEFAULT partition)"
    if await holds_other_apps(conn, old.partition, request.apps):
        return f"delete in batches ({old.partition} holds other apps)"
    return f"drop partition {old.partition} (and the taggings' of the month)"


async def _retire(
    conn: AsyncConnection, request: RetentionRequest, months: Sequence[OldMonth], console: Console
) -> Totals:
    totals, total = Totals(), sum(sum(old.counts.values()) for old in months)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        exporting = progress.add_task("exported", total=total)
        removing = progress.add_task("removed", total=total)
        done = 0
        for old in months:
            exported = await _export_month(conn, request, old, lambda rows: progress.advance(exporting, rows))
            totals.exported += sum(count for count, _ in exported.values())
            await _remove_month(conn, request, old, exported, totals)
            done += sum(old.counts.values())  # exported now or before, and removed
            progress.update(exporting, completed=done)
            progress.update(removing, completed=done)
            console.print(f"{old.month.label}: {_summary(exported)}")
    return totals


async def _export_month(
    conn: AsyncConnection, request: RetentionRequest, old: OldMonth, advance: Advance
) -> dict[str, tuple[int, list[int]]]:
    """Per app: how many entries this run exported, and the ids of all its exported entries of the month."""
    exported: dict[str, tuple[int, list[int]]] = {}
    for app in sorted(old.counts):
        archive = MonthArchive(request.out, app, old.month)
        ids = archive.exported_ids()
        await remember_exported(conn, ids)
        new_ids: list[int] = []
        await archive.write_part(_collecting(stream_unexported(conn, app, old.month), new_ids, advance))
        exported[app] = (len(new_ids), ids + new_ids)
    return exported


async def _collecting(
    rows: AsyncIterator[dict[str, Any]], ids: list[int], advance: Advance
) -> AsyncIterator[dict[str, Any]]:
    async for row in rows:
        ids.append(row["id"])
        if len(ids) % 1000 == 0:
            advance(1000)
        yield row
    advance(len(ids) % 1000)


async def _remove_month(
    conn: AsyncConnection,
    request: RetentionRequest,
    old: OldMonth,
    exported: dict[str, tuple[int, list[int]]],
    totals: Totals,
) -> None:
    """Drop the month whole if it may be, else delete its exported entries in batches; then forget their seals."""
    every_id = [entry_id for _, ids in exported.values() for entry_id in ids]
    if old.partition is not None and not await holds_other_apps(conn, old.partition, request.apps):
        await remember_exported(conn, every_id)
        if await drop_month_if_all_exported(conn, old.month, request.apps):
            totals.dropped += 1
            await _forget_seals(conn, exported, old)
            return
    deleted = 0
    for app, (_, ids) in exported.items():
        for start in range(0, len(ids), request.batch_size):
            deleted += await delete_exported(conn, app, old.month, ids[start : start + request.batch_size])
    totals.deleted += deleted
    await _forget_seals(conn, exported, old)


async def _forget_seals(conn: AsyncConnection, exported: dict[str, tuple[int, list[int]]], old: OldMonth) -> None:
    """The tamper-evidence chain starts after the month now: ``chronicles verify`` does not call its entries missing."""
    for app in exported:
        await forget_seals(conn, app, old.month.end.date())


def _summary(exported: dict[str, tuple[int, list[int]]]) -> str:
    return ", ".join(f"{app} {new:,} exported now ({len(ids):,} in all)" for app, (new, ids) in exported.items())
