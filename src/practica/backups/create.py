"""``practica backup create``: one consistent ``pg_dump -Fc`` per database, then the manifest."""

from __future__ import annotations

import os
import shutil
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import practica
from practica.backups.manifest import DumpEntry, Manifest, sha256_of
from practica.backups.postgres import postgres_tool, server_major
from practica.backups.products import DatabaseGroup, schema_revision
from practica.backups.progress import Progress, run_tool

COUNT_TABLES = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
"""


def _dump(group: DatabaseGroup, path: Path, progress: Progress) -> DumpEntry:
    """Dump one database at one snapshot, the one its schema revisions are read in.

    The snapshot is exported by a transaction this function holds open, so a migration
    running meanwhile can change neither what the manifest says nor what the dump holds.
    """
    database = group.database
    pg_dump = postgres_tool("pg_dump", server_major(database))
    with closing(database.connect()) as connection:
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()
        revisions = {
            product.name: schema_revision(connection, product.revisions.version_table) for product in group.products
        }
        tables = connection.execute(COUNT_TABLES).fetchone()
        assert snapshot is not None
        assert tables is not None
        progress.begin(f"dumping {database.name}", int(str(tables[0])))
        run_tool(
            [pg_dump, "--format=custom", "--verbose", f"--snapshot={snapshot[0]}", f"--file={path}",
             *database.libpq_options()],
            database,
            lambda line: "dumping contents of table" in line,
            progress,
        )  # fmt: skip
        connection.execute("COMMIT")
    return DumpEntry(
        file=path.name, database=database.name, revisions=revisions, size=path.stat().st_size, sha256=sha256_of(path)
    )


def _server_version(group: DatabaseGroup) -> str:
    with closing(group.database.connect()) as connection:
        return str(connection.info.parameter_status("server_version"))


def _seal(directory: Path) -> None:
    """Owner-only files (the dumps hold password hashes and keys' tables), flushed to disk before the rename."""
    for path in [*directory.iterdir(), directory]:
        if path.is_file():
            path.chmod(0o600)
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def create_backup(groups: list[DatabaseGroup], to: Path, progress: Progress) -> Path:
    """Write a backup under ``to`` and return its directory.

    It is written as ``.partial-…`` and renamed once every file and the manifest are on disk:
    a backup that failed or was cut short never looks like a finished one.
    """
    now = datetime.now(UTC)
    name = f"practica-backup-{now:%Y%m%dT%H%M%SZ}"
    to.mkdir(parents=True, exist_ok=True)
    partial = to / f".partial-{name}"
    partial.mkdir(mode=0o700)
    try:
        dumps = [_dump(group, partial / f"{group.products[0].name}.dump", progress) for group in groups]
        manifest = Manifest(
            app_version=practica.__version__, created_at=now, postgres_version=_server_version(groups[0]), dumps=dumps
        )
        manifest.write(partial)
        _seal(partial)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    final = _free_name(to, name)
    partial.rename(final)
    return final


def _free_name(to: Path, name: str) -> Path:
    """``name``, or ``name-2``… when a backup of the same second exists."""
    candidate, number = to / name, 1
    while candidate.exists():
        number += 1
        candidate = to / f"{name}-{number}"
    return candidate
