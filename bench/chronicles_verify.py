"""Sealing and verifying Chronicles' hash chain over N entries.

    nice -n -10 .venv/bin/python -m bench.chronicles_verify --verify [--entries 1000000] [--days 12] [--reuse]

Loads N generated entries (three apps, ``recorded_at`` spread over DAYS past
days ending the day before yesterday: 12 days of 1 M is the density of 30 M a year) into a fresh migrated
database on ``BENCH_DATABASE_URL`` (an admin URL) or on the embedded server
under ``.bench/chronicles-verify``, then times ``seal`` (every day) and, with
``--verify``, ``verify`` of every app and day, and prints entries/s with the
load average. Secondary indexes other than the BRIN on ``recorded_at`` (the
only one the chain reads) are dropped for the load and not rebuilt.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import uuid
from datetime import UTC, datetime, time, timedelta
from time import perf_counter
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from bench.chronicles_search import ROOT
from chronicles.integrity.sealing import seal
from chronicles.integrity.verify import prepare

APPS = (("practica", 0.7), ("forum", 0.2), ("billing", 0.1))
DROPPABLE = """
SELECT format('DROP INDEX %I', i.indexrelid::regclass) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'entries'::regclass AND NOT i.indisprimary AND NOT i.indisunique
  AND c.relname <> 'ix_entries_recorded'
"""


def admin_uri() -> str:
    configured = os.environ.get("BENCH_DATABASE_URL")
    if configured:
        return configured
    from servicekit.embedded import embedded_server

    return embedded_server(ROOT / ".bench" / "chronicles-verify").get_uri()


def prepare_database(admin: str, entries: int, days: int, reuse: bool) -> str:
    from chronicles.store.migrate import MIGRATIONS

    url = make_url(admin).set(database="chronicles_verify")
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    if reuse:
        try:
            with psycopg.connect(libpq) as conn:
                if conn.execute("SELECT count(*) FROM entries").fetchone() == (entries,):
                    conn.execute("TRUNCATE chain_seals, chain_sealing, chain_anchors")
                    return libpq
        except psycopg.OperationalError:
            pass
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS chronicles_verify WITH (FORCE)")
        conn.execute("CREATE DATABASE chronicles_verify")
    MIGRATIONS.upgrade(url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    with psycopg.connect(libpq, autocommit=True) as conn:
        load(conn, entries, days)
    return libpq


def load(conn: psycopg.Connection[Any], entries: int, days: int) -> None:
    started = perf_counter()
    for (drop,) in conn.execute(DROPPABLE).fetchall():
        conn.execute(drop)
    step = timedelta(days=days) / entries
    first_day = datetime.combine(datetime.now(UTC).date() - timedelta(days=days + 1), time(), tzinfo=UTC)
    columns = "sequence_code, app, subject, subject_type, action, performer, payload, occurred_at, recorded_at"
    with conn.cursor().copy(sql.SQL(f"COPY entries ({columns}) FROM STDIN")) as copy:
        for index in range(entries):
            recorded = first_day + step * index
            app = APPS[0][0] if index % 10 < 7 else APPS[1][0] if index % 10 < 9 else APPS[2][0]
            payload = {
                "org": index % 50,
                "lesson": {"id": str(index % 400)},
                "tests": {"passed": index % 7, "total": 7},
            }
            copy.write_row([
                uuid.uuid4(), app, f"gid://{app}/Check/{index}", "Check", "check.passed",
                f"gid://practica/User/{index % 25_000}", json.dumps(payload), recorded - timedelta(seconds=index % 90),
                recorded,
            ])  # fmt: skip
    conn.execute("VACUUM ANALYZE entries")
    print(f"loaded {entries:,} entries over {days} days in {perf_counter() - started:.0f} s")


async def measure(database_url: str, verify: bool) -> None:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        started = perf_counter()
        run = await seal(conn)
        elapsed = perf_counter() - started
        print(f"seal:   {run.entries:,} entries in {elapsed:.1f} s ({run.entries / elapsed:,.0f} entries/s){_load()}")
        size = await (await conn.execute("SELECT pg_total_relation_size('chain_seals')")).fetchone()
        print(f"chain_seals: {size[0] / run.entries:.1f} bytes per entry" if size and run.entries else "")
        if not verify:
            return
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as reader:
            verification = await prepare(conn, None, None, None, [reader])
            assert verification is not None
            started = perf_counter()
            reports = await verification.run()
        elapsed = perf_counter() - started
        checked = sum(report.entries for report in reports)
        broken = [report.app for report in reports if report.finding]
        print(f"verify: {checked:,} entries in {elapsed:.1f} s ({checked / elapsed:,.0f} entries/s){_load()}")
        assert not broken, broken
        assert checked == run.entries, (checked, run.entries)


def _load() -> str:
    return f"  [load average {os.getloadavg()[0]:.2f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=12)
    parser.add_argument("--verify", action="store_true", help="also time chronicles verify over every sealed day")
    parser.add_argument("--reuse", action="store_true", help="keep the loaded entries of a previous run")
    options = parser.parse_args()
    database_url = prepare_database(admin_uri(), options.entries, options.days, options.reuse)
    asyncio.run(measure(database_url, options.verify))


if __name__ == "__main__":
    main()
