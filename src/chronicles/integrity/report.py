"""``chronicles seal`` and ``chronicles verify``: running them against the database and printing the outcome."""

from __future__ import annotations

from datetime import date

from psycopg import AsyncConnection
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from chronicles.integrity.horizon import HorizonUnknownError
from chronicles.integrity.sealing import seal
from chronicles.integrity.verify import AppReport, prepare

APP_KNOWN = """
SELECT EXISTS (SELECT 1 FROM chain_seals WHERE app = %(app)s)
       OR EXISTS (SELECT 1 FROM chain_anchors WHERE app = %(app)s)
       OR EXISTS (SELECT 1 FROM entries WHERE app = %(app)s)
"""
INTACT, BROKEN, BAD_OPTION = 0, 1, 2


def parse_day(option: str, value: str | None) -> date | None:
    """``value`` as a date, or ValueError naming ``option``."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{option}: not a day (YYYY-MM-DD): {value!r}") from None


async def run_seal(database_url: str, console: Console, errors: Console) -> int:
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        try:
            run = await seal(conn, on_day=lambda day, count: _print_sealed_day(console, day, count))
        except HorizonUnknownError as error:
            errors.print(f"chronicles: cannot seal: {error}", highlight=False, soft_wrap=True)
            return BROKEN
    through = f", sealed through {run.sealed_through}" if run.sealed_through else ""
    console.print(f"[green]chronicles: {run.days} day(s), {run.entries:,} entries sealed{through}[/]")
    return INTACT


def _print_sealed_day(console: Console, day: date, count: int) -> None:
    if count:
        console.print(f"sealed {day}: {count:,} entries")


async def run_verify(
    database_url: str, console: Console, errors: Console, app: str | None, first: date | None, last: date | None
) -> int:
    async with (
        await AsyncConnection.connect(database_url, autocommit=True) as conn,
        await AsyncConnection.connect(database_url, autocommit=True) as reader,
    ):
        if app is not None and not await _app_known(conn, app):
            errors.print(f"chronicles: --app: no entries and no seals for app {app!r}", highlight=False)
            return BAD_OPTION
        verification = await prepare(conn, app, first, last, [reader])
        if verification is None or verification.days.days == 0:
            console.print("chronicles: no sealed day in that range: nothing to verify")
            return INTACT
        with Progress(
            TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TextColumn("days"), TimeElapsedColumn(),
            console=console, transient=True,
        ) as progress:  # fmt: skip
            task = progress.add_task("days", total=verification.days.days)
            reports = await verification.run(on_day=lambda _: progress.advance(task))
    for report in reports:
        print_report(console, report)
    return BROKEN if any(report.finding for report in reports) else INTACT


async def _app_known(conn: AsyncConnection, app: str) -> bool:
    row = await (await conn.execute(APP_KNOWN, {"app": app})).fetchone()
    return bool(row and row[0])


def print_report(console: Console, report: AppReport) -> None:
    checked = f"{report.days} day(s) checked" + (f" ({report.first_day} … {report.last_day})" if report.days else "")
    summary = f"{report.app}: {checked}, {report.entries:,} entries"
    finding = report.finding
    if finding is None:
        head = report.head.hex()[:16] if report.head else "-"
        console.print(f"{summary}: [green]intact[/] (head {head}…)", highlight=False)
        return
    entry = "" if finding.entry_id is None else f" entry id {finding.entry_id}"
    code = "" if finding.sequence_code is None else f" (sequence_code {finding.sequence_code})"
    detail = f": {finding.detail}" if finding.detail else ""
    console.print(
        f"{summary}: [bold red]{finding.kind.upper()}[/]{entry}{code} on {finding.day}{detail}",
        highlight=False,
        soft_wrap=True,
    )
