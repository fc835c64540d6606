"""``practica backup …``: logical backups of both products' databases, and a restore that keeps data safe."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as Bars
from rich.table import Table

from practica.backups.errors import BackupError
from practica.backups.manifest import Manifest, backup_directory
from practica.settings import PracticaSettings
from servicekit.cli import settings_or_exit

app = typer.Typer(help="Backups: dump both databases, restore a dump.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


class RichProgress:
    """One bar per step (a database dumped or restored), counting the items pg_dump/pg_restore report."""

    def __init__(self, bars: Bars) -> None:
        self.bars = bars
        self.task: TaskID | None = None

    def begin(self, label: str, total: int | None) -> None:
        self._finish()
        self.task = self.bars.add_task(label, total=total)

    def advance(self) -> None:
        if self.task is not None:
            self.bars.advance(self.task)

    def _finish(self) -> None:
        if self.task is not None:
            total = self.bars.tasks[self.task].total
            self.bars.update(self.task, completed=total)

    def __enter__(self) -> RichProgress:
        self.bars.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is None:
            self._finish()
        self.bars.stop()


def _progress() -> RichProgress:
    return RichProgress(
        Bars(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console)
    )


def _fail(error: BackupError) -> typer.Exit:
    errors.print(f"practica: {error}", highlight=False, markup=False, soft_wrap=True)
    return typer.Exit(1)


def _summary(manifest: Manifest, title: str) -> Table:
    table = Table("file", "database", "schema revisions", "size", title=title)
    for dump in manifest.dumps:
        revisions = ", ".join(f"{product} {revision or '(none)'}" for product, revision in dump.revisions.items())
        table.add_row(dump.file, dump.database, revisions, f"{dump.size:,} B")
    return table


@app.command()
def create(
    to: Annotated[
        Path | None, typer.Option(help="Directory the backup goes in (default PRACTICA_HOME/backups).")
    ] = None,
) -> None:
    """Dump Practica's and Chronicles' databases (pg_dump -Fc) with a manifest of checksums and schema revisions."""
    from practica.backups.create import create_backup
    from practica.backups.manifest import read_manifest
    from practica.backups.products import configured_products, grouped_by_database

    settings = settings_or_exit(PracticaSettings, "practica")
    try:
        groups = grouped_by_database(configured_products(settings))
        with _progress() as progress:
            made = create_backup(groups, to or settings.practica_home / "backups", progress)
        console.print(_summary(read_manifest(made), "backed up"))
    except BackupError as error:
        raise _fail(error) from None
    console.print(f"[green]backup written to {made}[/]", highlight=False)


@app.command()
def restore(
    backup: Annotated[Path, typer.Argument(help="A backup's directory or its manifest.json.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before replacing the current databases.")] = False,
    keep_previous: Annotated[
        bool, typer.Option("--keep-previous", help="Keep the replaced databases as <name>_before_restore_<time>.")
    ] = False,
) -> None:
    """Restore a backup: checksums and schema checked, restored into new databases, swapped in at the end."""
    from practica.backups.products import configured_products
    from practica.backups.restore import restore_backup

    settings = settings_or_exit(PracticaSettings, "practica")
    directory = backup_directory(backup)
    if not yes:
        typer.confirm(f"Replace Practica's and Chronicles' databases with the backup {directory}?", abort=True)
    try:
        products = configured_products(settings)
        with _progress() as progress:
            restored = restore_backup(directory, products, progress, keep_previous=keep_previous)
    except BackupError as error:
        raise _fail(error) from None
    console.print(_summary(restored.manifest, f"restored (made {restored.manifest.created_at:%Y-%m-%d %H:%M} UTC)"))
    if restored.cut_connections:
        console.print(f"[yellow]{restored.cut_connections} open connection(s) to the old databases were closed[/]")
    for step in restored.steps if restored.kept_previous else []:
        console.print(f"the data before the restore is kept in database {step.previous.name}", highlight=False)
    console.print("[green]restore finished[/]")


@app.command()
def verify(
    backup: Annotated[Path, typer.Argument(help="A backup's directory or its manifest.json.")],
) -> None:
    """Check a backup without restoring it: manifest, each dump's sha256, schema revisions this code knows."""
    from practica.backups.products import known_schemas
    from practica.backups.restore import verify as verify_backup

    try:
        manifest = verify_backup(backup_directory(backup), known_schemas())
    except BackupError as error:
        raise _fail(error) from None
    console.print(_summary(manifest, f"verified (made {manifest.created_at:%Y-%m-%d %H:%M} UTC)"))
    console.print("[green]the backup is whole and this code can restore it[/]")
