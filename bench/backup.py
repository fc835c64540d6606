"""How long `practica backup create` and `restore` take for a given amount of data.

    .venv/bin/python -m bench.backup [--entries 1000000] [--users 100000]

Fills a fresh Practica database with ``--users`` users and a fresh Chronicles database with
``--entries`` activity entries (every index of the schema in place), then times the backup
(``pg_dump -Fc`` of both, checksums, manifest) and the restore (checks, ``pg_restore`` into new
databases with their indexes rebuilt, the swap), as ``practica backup`` runs them. The server is
``BENCH_DATABASE_URL`` or an embedded one under ``.bench/backup``. Prints the times, the dump
sizes, rows per second, and each time's ratio to the aim (``AIM_S``: either under a minute per
million rows on this project's 2-core machine).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from chronicles.store.migrate import MIGRATIONS as CHRONICLES
from practica.backups.create import create_backup
from practica.backups.postgres import Database
from practica.backups.products import Product, grouped_by_database
from practica.backups.progress import Silent
from practica.backups.restore import restore_backup
from practica.db.migrate import MIGRATIONS as PRACTICA
from servicekit.migrations import ProductMigrations

ROOT = Path(__file__).resolve().parents[1]
AIM_S_PER_MILLION_ROWS = 60.0

USERS = """
INSERT INTO users (email, display_name, password_hash, role, confirmed_at)
SELECT 'learner' || i || '@example.org', 'Learner ' || i, repeat('h', 97), 'learner', now()
FROM generate_series(1, %s) AS i
"""
ENTRIES = """
INSERT INTO entries (sequence_code, app, subject, subject_type, action, performer, payload, occurred_at,
                     feed_tags, access_tags)
SELECT md5(i::text)::uuid, 'practica', 'lesson:' || (i %% 500), 'lesson',
       'check.' || (ARRAY['passed', 'failed'])[i %% 2 + 1], 'user:' || (i %% 5000),
       jsonb_build_object('check_id', i, 'passed', i %% 3, 'duration_ms', i %% 997),
       now() - make_interval(secs => i), ARRAY['course:' || (i %% 40)], ARRAY['user:' || (i %% 5000)]
FROM generate_series(1, %s) AS i
"""


def admin_uri() -> str:
    configured = os.environ.get("BENCH_DATABASE_URL")
    if configured:
        return configured
    from servicekit.embedded import embedded_server

    return embedded_server(ROOT / ".bench" / "backup").get_uri()


def fresh(admin: str, name: str, migrations: ProductMigrations, fill: str, rows: int) -> str:
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(admin).set(drivername="postgresql+psycopg", database=name).render_as_string(False)
    migrations.upgrade(url)
    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False)) as connection:
        connection.execute(fill, (rows,))  # type: ignore[arg-type]
    return url


def timed(label: str, seconds: float, rows: int) -> None:
    aim = AIM_S_PER_MILLION_ROWS * rows / 1_000_000
    print(f"{label:<8} {seconds:7.1f} s  {rows / seconds:>10,.0f} rows/s  aim {aim:.0f} s: {seconds / aim:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=100_000)
    arguments = parser.parse_args()
    admin = admin_uri()
    started = time.perf_counter()
    practica_url = fresh(admin, "bench_backup_practica", PRACTICA, USERS, arguments.users)
    chronicles_url = fresh(admin, "bench_backup_chronicles", CHRONICLES, ENTRIES, arguments.entries)
    print(f"filled: {arguments.users:,} users, {arguments.entries:,} entries in {time.perf_counter() - started:.0f} s")
    products = [
        Product("practica", Database.from_url(practica_url), PRACTICA.known_revisions()),
        Product("chronicles", Database.from_url(chronicles_url), CHRONICLES.known_revisions()),
    ]
    rows = arguments.users + arguments.entries
    directory = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    try:
        started = time.perf_counter()
        backup = create_backup(grouped_by_database(products), directory, Silent())
        timed("backup", time.perf_counter() - started, rows)
        for dump in sorted(backup.glob("*.dump")):
            print(f"  {dump.name}: {dump.stat().st_size / 1e6:.1f} MB")
        started = time.perf_counter()
        restore_backup(backup, products, Silent(), keep_previous=False)
        timed("restore", time.perf_counter() - started, rows)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
