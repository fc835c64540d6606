"""The databases a backup holds: Practica's and Chronicles', each with the schema its code knows.

Practica never imports Chronicles: Chronicles' URL is read as ``practica up`` reads it
(``CHRONICLES_DATABASE_URL``, else the embedded server's ``chronicles`` database) and the
revisions its code knows are asked of ``chronicles revisions``, as the supervisor runs
``chronicles migrate``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass

import psycopg
from psycopg import sql

from practica.backups.errors import BackupError
from practica.backups.postgres import Database
from practica.db.migrate import MIGRATIONS
from practica.settings import PracticaSettings
from servicekit.embedded import embedded_database_url
from servicekit.migrations import KnownRevisions


@dataclass(frozen=True)
class Product:
    """One product's database and what its code knows of the schema."""

    name: str
    database: Database
    revisions: KnownRevisions


@dataclass(frozen=True)
class DatabaseGroup:
    """One database and the products whose tables it holds (both, when they share a database)."""

    database: Database
    products: tuple[Product, ...]


def chronicles_url(settings: PracticaSettings) -> str:
    return os.environ.get("CHRONICLES_DATABASE_URL") or embedded_database_url(settings.practica_home, "chronicles")


def chronicles_revisions() -> KnownRevisions:
    result = subprocess.run(
        [sys.executable, "-m", "chronicles", "revisions"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"`chronicles revisions` failed: {result.stderr.strip()[-500:]}")
    found = json.loads(result.stdout)
    return KnownRevisions(found["version_table"], tuple(found["heads"]), tuple(found["known"]))


def known_schemas() -> dict[str, KnownRevisions]:
    """What this code knows of each product's schema (no database needed: a restore checks a backup first)."""
    return {"practica": MIGRATIONS.known_revisions(), "chronicles": chronicles_revisions()}


def configured_products(settings: PracticaSettings) -> list[Product]:
    known = known_schemas()
    return [
        Product("practica", Database.from_url(settings.resolved_database_url()), known["practica"]),
        Product("chronicles", Database.from_url(chronicles_url(settings)), known["chronicles"]),
    ]


def grouped_by_database(products: list[Product]) -> list[DatabaseGroup]:
    """One group per distinct database, so a database both products share is dumped and restored once."""
    groups: dict[tuple[object, ...], list[Product]] = {}
    for product in products:
        key = (product.database.host, product.database.port, product.database.name)
        groups.setdefault(key, []).append(product)
    return [DatabaseGroup(members[0].database, tuple(members)) for members in groups.values()]


def schema_revision(connection: psycopg.Connection[tuple[object, ...]], version_table: str) -> str | None:
    """The revision a database's version table holds; None for a database never migrated."""
    exists = connection.execute("SELECT to_regclass(%s)", (version_table,)).fetchone()
    if exists is None or exists[0] is None:
        return None
    rows = connection.execute(
        sql.SQL("SELECT version_num FROM {} ORDER BY version_num").format(sql.Identifier(version_table))
    ).fetchall()
    return ",".join(str(row[0]) for row in rows) or None


def refuse_unknown_revision(product: str, revision: str | None, revisions: KnownRevisions) -> None:
    """A schema the code does not know comes from a newer version: restoring it would break this one."""
    for single in (revision or "").split(","):
        if single and single not in revisions.known:
            raise BackupError(
                f"the backup's {product} schema is at revision {single}, which this code does not know "
                f"(its newest is {', '.join(revisions.heads)}): the backup was made by a newer version of "
                f"Practica; restore it with that version. Nothing was restored."
            )
