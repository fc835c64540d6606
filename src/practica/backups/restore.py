"""``practica backup restore``: check everything, restore into fresh databases, then swap them in.

Nothing current is touched until every dump has been restored in full: each goes into a new
database (``<name>_restoring_<time>``) and only then, in one transaction per server, the current
database is renamed ``<name>_before_restore_<time>`` and the restored one takes its name. A
damaged file, an unknown schema or a restore that fails halfway drops the new databases and
leaves the current ones as they were.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

from practica.backups.errors import BackupError
from practica.backups.manifest import DumpEntry, Manifest, read_manifest, verify_dump
from practica.backups.postgres import Database, postgres_tool, server_major
from practica.backups.products import Product, refuse_unknown_revision
from practica.backups.progress import Progress, run_tool
from servicekit.migrations import KnownRevisions

SWAP_ATTEMPTS = 5
RESTORE_ITEM = ("pg_restore: creating ", "pg_restore: processing data", "pg_restore: executing ")


@dataclass(frozen=True)
class Step:
    """One dump and where it goes: restored into ``staging``, which then replaces ``target``."""

    entry: DumpEntry
    dump: Path
    target: Database
    staging: Database
    previous: Database


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    steps: list[Step]
    cut_connections: int
    kept_previous: bool


def check_schema(manifest: Manifest, known: dict[str, KnownRevisions]) -> None:
    """Refuse a backup holding a product this code lacks, or a schema revision newer than this code."""
    for entry in manifest.dumps:
        for product, revision in entry.revisions.items():
            if product not in known:
                raise BackupError(f"{entry.file} holds {product}'s tables, which this code does not know")
            refuse_unknown_revision(product, revision, known[product])


def verify(directory: Path, known: dict[str, KnownRevisions]) -> Manifest:
    """Every check that reads only the backup: its manifest, each dump's size and sha256, the schema revisions."""
    manifest = read_manifest(directory)
    check_schema(manifest, known)
    for entry in manifest.dumps:
        verify_dump(directory, entry)
    return manifest


def _target_of(entry: DumpEntry, products: list[Product]) -> Database:
    targets = {product.database for product in products if product.name in entry.revisions}
    if len(targets) != 1:
        raise BackupError(
            f"{entry.file} holds {' and '.join(entry.revisions)} in one database, but the configuration gives "
            f"them {len(targets)}; set DATABASE_URL and CHRONICLES_DATABASE_URL to one database to restore it"
        )
    return targets.pop()


def plan(directory: Path, products: list[Product]) -> tuple[Manifest, list[Step]]:
    """Every check that needs no change: manifest, checksums, schema revisions, where each dump goes."""
    manifest = verify(directory, {product.name: product.revisions for product in products})
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    steps = []
    for entry in manifest.dumps:
        target = _target_of(entry, products)
        steps.append(
            Step(
                entry,
                directory / entry.file,
                target,
                target.named(f"{target.name[:30]}_restoring_{stamp}"),
                target.named(f"{target.name[:30]}_before_restore_{stamp}"),
            )
        )
    if len({step.target for step in steps}) != len(steps):
        raise BackupError("two dumps of the backup would restore into one database; nothing was restored")
    return manifest, steps


def _archive_items(pg_restore: Path, dump: Path) -> int:
    """How many items the archive lists (the progress bar's total); an unreadable archive is refused here."""
    listing = subprocess.run([str(pg_restore), "--list", str(dump)], capture_output=True, text=True, check=False)
    if listing.returncode != 0:
        raise BackupError(f"{dump} is not a readable pg_dump archive: {listing.stderr.strip()[-300:]}")
    return sum(1 for line in listing.stdout.splitlines() if line and not line.startswith(";"))


def _execute(database: Database, statement: sql.Composed) -> None:
    with closing(database.maintenance().connect()) as connection:
        connection.execute(statement)


def _stage(step: Step, progress: Progress) -> None:
    pg_restore = postgres_tool("pg_restore", server_major(step.target.maintenance()))
    items = _archive_items(pg_restore, step.dump)
    _execute(step.staging, sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(step.staging.name)))
    progress.begin(f"restoring {step.entry.file}", items)
    run_tool(
        [pg_restore, "--verbose", "--exit-on-error", "--no-owner", "--no-privileges", *step.staging.libpq_options(),
         step.dump],
        step.staging,
        lambda line: line.startswith(RESTORE_ITEM),
        progress,
    )  # fmt: skip


def _drop(database: Database) -> None:
    _execute(database, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database.name)))


@contextmanager
def _staged(steps: list[Step], progress: Progress) -> Iterator[None]:
    """Restore every dump into its new database; on any failure drop them all, current data untouched."""
    try:
        for step in steps:
            _stage(step, progress)
        yield
    except BaseException:
        for step in steps:
            _drop(step.staging)
        raise


def _exists(connection: psycopg.Connection[tuple[object, ...]], name: str) -> bool:
    return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def _cut_connections(connection: psycopg.Connection[tuple[object, ...]], names: list[str]) -> int:
    rows = connection.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ANY(%s) AND pid <> pg_backend_pid()",
        (names,),
    ).fetchall()
    return len(rows)


def _rename(connection: psycopg.Connection[tuple[object, ...]], old: str, new: str) -> None:
    connection.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(old), sql.Identifier(new)))


def _swap_on_server(steps: list[Step]) -> int:
    """Rename every current database aside and every restored one into its place, in one transaction.

    Renaming needs the database free of sessions: the services' connections are cut first
    (and again if one came back before the rename), so stop the services for a restore.
    """
    cut = 0
    with closing(steps[0].target.maintenance().connect()) as connection:
        for attempt in range(1, SWAP_ATTEMPTS + 1):
            cut += _cut_connections(connection, [step.target.name for step in steps])
            try:
                with connection.transaction():
                    for step in steps:
                        if _exists(connection, step.target.name):
                            _rename(connection, step.target.name, step.previous.name)
                        _rename(connection, step.staging.name, step.target.name)
                return cut
            except psycopg.errors.ObjectInUse:
                if attempt == SWAP_ATTEMPTS:
                    raise BackupError(
                        "the databases stayed in use: stop Practica's services and run the restore again"
                    ) from None
                time.sleep(1)
    return cut


def _swap(steps: list[Step]) -> int:
    by_server: dict[tuple[str | None, int | None], list[Step]] = {}
    for step in steps:
        by_server.setdefault(step.target.server, []).append(step)
    return sum(_swap_on_server(members) for members in by_server.values())


def restore_backup(directory: Path, products: list[Product], progress: Progress, *, keep_previous: bool) -> Restored:
    manifest, steps = plan(directory, products)
    with _staged(steps, progress):
        cut = _swap(steps)
    if not keep_previous:
        for step in steps:
            _drop(step.previous)
    return Restored(manifest, steps, cut, keep_previous)
