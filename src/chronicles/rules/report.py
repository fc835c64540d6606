"""``chronicles backfills``: a table of backfills with progress bars, optionally refreshed live."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from psycopg import AsyncConnection
from rich.console import Console
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table

from chronicles.rules.progress import BackfillProgress, list_backfills

STATUS_STYLES = {"queued": "cyan", "running": "yellow", "done": "green", "failed": "red", "superseded": "dim"}
REFRESH_SECONDS = 1.0


def backfills_table(backfills: Sequence[BackfillProgress]) -> Table:
    table = Table(title="Backfills (newest first)", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("rule", overflow="fold")
    table.add_column("status")
    table.add_column("progress", no_wrap=True)
    table.add_column("entries (ids)", justify="right")
    for column in ("scanned", "tagged", "untagged"):
        table.add_column(column, justify="right")
    for backfill in backfills:
        style = STATUS_STYLES.get(backfill.status, "")
        table.add_row(
            str(backfill.id),
            backfill.rule,
            f"[{style}]{backfill.status}[/]",
            ProgressBar(total=1.0, completed=backfill.fraction, width=12),
            f"{backfill.covered_estimate:,}/{backfill.total_estimate:,} {backfill.fraction:.0%}",
            f"{backfill.scanned:,}",
            f"{backfill.tagged:,}",
            f"{backfill.untagged:,}",
        )
    return table


def render(console: Console, backfills: Sequence[BackfillProgress]) -> None:
    if not backfills:
        console.print("no backfills yet")
        return
    console.print(backfills_table(backfills))
    for backfill in backfills:
        if backfill.error:
            console.print(f"#{backfill.id} {backfill.status}: {backfill.error}", markup=False, style="red")


async def show_backfills(database_url: str, console: Console, *, watch: bool, limit: int) -> None:
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        backfills = await list_backfills(conn, limit=limit)
        if not watch:
            render(console, backfills)
            return
        with Live(backfills_table(backfills), console=console, refresh_per_second=4) as live:
            while any(backfill.status in ("queued", "running") for backfill in backfills):
                await asyncio.sleep(REFRESH_SECONDS)
                backfills = await list_backfills(conn, limit=limit)
                live.update(backfills_table(backfills))
