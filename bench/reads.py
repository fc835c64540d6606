"""Why the hot read paths bypass SQLAlchemy's async engine: one query, three ways, CPU per query.

    .venv/bin/python -m bench.reads [--queries 3000]

Runs the lesson page's query (``practica.checks.queries.lesson_state``'s
statement) one at a time against a fresh migrated database, each in its own
pool checkout as a web request does:

- through SQLAlchemy's async engine in autocommit mode derived per request
  (``engine.execution_options(isolation_level="AUTOCOMMIT")``, what the
  lesson page did at the start of this work: the baseline);
- through SQLAlchemy's async engine with autocommit set once;
- through :class:`servicekit.reads.PoolReads` (psycopg's pool, the statement
  compiled once), what the lesson page and the catalogue use now.

Prints wall time and this process's CPU time per query, and each ratio to
the baseline. The database server's own time is in the wall time only.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench.checks import admin_database_uri, fresh_database
from practica.checks.queries import _LESSON_STATE
from servicekit.reads import PoolReads

PARAMS = {"user_key": "1", "course_id": "python-basics", "slug": "functions"}


async def per_query(run: Callable[[], Awaitable[object]], queries: int) -> tuple[float, float]:
    """(wall µs, CPU µs) per call of ``run``, after a warm-up of as many calls."""
    for _ in range(queries):
        await run()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(queries):
        await run()
    return (time.perf_counter() - wall) / queries * 1e6, (time.process_time() - cpu) / queries * 1e6


def through_engine(engine: AsyncEngine) -> Callable[[], Awaitable[object]]:
    async def run() -> object:
        async with engine.connect() as connection:
            return (await connection.execute(_LESSON_STATE, PARAMS)).one()

    return run


async def measure(database_url: str, queries: int) -> list[tuple[str, float, float]]:
    figures = []
    engine = create_async_engine(database_url, pool_size=2)
    baseline = engine.execution_options(isolation_level="AUTOCOMMIT")
    figures.append(
        ("SQLAlchemy async engine, autocommit per request", *await per_query(through_engine(baseline), queries))
    )
    await engine.dispose()
    engine = create_async_engine(database_url, pool_size=2, isolation_level="AUTOCOMMIT")
    figures.append(("SQLAlchemy async engine, autocommit engine", *await per_query(through_engine(engine), queries)))
    await engine.dispose()
    reads = PoolReads(database_url, max_size=2, application_name="bench-reads")
    figures.append(
        ("PoolReads (psycopg_pool)", *await per_query(lambda: reads.mappings(_LESSON_STATE, PARAMS), queries))
    )
    await reads.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=3000)
    args = parser.parse_args()
    database_url = fresh_database(admin_database_uri(), "bench_reads")
    figures = asyncio.run(measure(database_url, args.queries))
    base_wall, base_cpu = figures[0][1], figures[0][2]
    for name, wall, cpu in figures:
        print(f"{name:<50} wall {wall:6.0f} µs ({wall / base_wall:4.2f}x)  CPU {cpu:6.0f} µs ({cpu / base_cpu:4.2f}x)")


if __name__ == "__main__":
    main()
