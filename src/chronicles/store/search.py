"""Searching entries: one keyset-paged page of what a filter and the viewer's access tags select.

Pages are newest first on ``(occurred_at DESC, id DESC)``; the cursor is the
last row's pair and the next page starts strictly below it, so entries
written meanwhile never shift a page (no OFFSET, no count). A page reads
``first + 1`` rows: the extra one only says whether there is a next page.
Which index drives is chosen by :mod:`search_plan`; the SQL is built by
:mod:`search_sql`, and run after :data:`SEARCH_SETTINGS` in the same
transaction (or on a connection with those settings).

A search driven by a key or a tag is prepared on the server and runs on a
generic plan: its driver was chosen from the values before the statement was
built, and the statement's shape (one walk of the driving index per value,
fenced lookups) leaves the planner no other way to read it, so planning it
for its values (2–6 ms at 30 M entries, 14 monthly partitions) bought
nothing. A payload search is planned for its values every time: whether the
GIN index or a walk in time order is cheaper depends on them (PERFORMANCE.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection, errors, sql
from psycopg.rows import class_row

from chronicles.errors import SearchTimeoutError
from chronicles.store.cursor import CursorError, Position
from chronicles.store.search_plan import Driver, choose_driver
from chronicles.store.search_sql import COLUMNS, SearchRequest, compile_filter, compile_search
from chronicles.store.search_stats import Statistics
from chronicles.store.sql_params import Params

__all__ = [
    "SEARCH_SETTINGS",
    "CursorError",
    "EntryRow",
    "Page",
    "Position",
    "SearchRequest",
    "Total",
    "compile_search",
    "count",
    "entry_by_code",
    "search",
]

# Run once per search transaction: a page is a few dozen rows, so parallel workers and JIT compilation
# cost more than they save; a search never runs away with the database (5 s at most); and what search()
# prepares runs on its generic plan (the module's docstring says why), the search pool's setting.
SEARCH_SETTINGS = (
    "SET LOCAL statement_timeout = '5s'; SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0;"
    " SET LOCAL plan_cache_mode = force_generic_plan"
)
# The page's own statement, driven by the same index, with a page of ``bound`` rows: it stops after bound + 1.
EXACT_COUNT = sql.SQL("SELECT count(*) FROM ({search}) AS c")
ESTIMATE = sql.SQL("EXPLAIN (FORMAT JSON) SELECT 1 FROM entries AS e WHERE {where}")
ENTRY_BY_CODE = sql.SQL("SELECT {columns} FROM entries AS e WHERE e.sequence_code = {code} AND e.access_tags && {tags}")


@dataclass(frozen=True)
class EntryRow:
    id: int
    sequence_code: uuid.UUID
    app: str
    subject: str
    subject_type: str
    action: str
    performer: str | None
    payload: dict[str, Any]
    occurred_at: datetime
    recorded_at: datetime
    feed_tags: list[str]
    access_tags: list[str]

    @property
    def position(self) -> Position:
        return Position(self.occurred_at, self.id)


@dataclass(frozen=True)
class Page:
    rows: list[EntryRow]
    has_next: bool
    driver: Driver


async def search(conn: AsyncConnection, request: SearchRequest, stats: Statistics) -> Page:
    """One page of the entries ``request`` may see, newest first; SearchTimeoutError after the statement timeout."""
    try:
        await stats.refresh(conn)
        driver = choose_driver(request.filter, request.access_tags, stats, request.first)
        statement, params = compile_search(request, driver, stats)
        rows = await fetch(conn, statement, params, prepare=driver is not Driver.PAYLOAD)
    except errors.QueryCanceled:
        raise SearchTimeoutError("the search took too long; narrow the filter") from None
    return Page(rows[: request.first], len(rows) > request.first, driver)


@dataclass(frozen=True)
class Total:
    """How many entries a search selects: exact, or the planner's estimate."""

    value: int
    exact: bool


async def count(conn: AsyncConnection, request: SearchRequest, stats: Statistics, bound: int) -> Total:
    """Exact when at most ``bound`` entries match (counted by reading at most bound + 1 of them), else an estimate.

    The estimate is the planner's row estimate for the whole filter (``EXPLAIN``, a fraction of a millisecond),
    never less than bound + 1 once the count has seen that many. A count that runs into the statement timeout
    answers the estimate too. The cursor (``after``) is left out: the total is the whole result's.
    """
    whole = replace(request, first=bound, after=None)
    at_least = 0
    try:
        await stats.refresh(conn)
        driver = choose_driver(whole.filter, whole.access_tags, stats, whole.first)
        statement, params = compile_search(whole, driver, stats)
        found = await _scalar(conn, EXACT_COUNT.format(search=statement), params)
        if found <= bound:
            return Total(found, exact=True)
        at_least = bound + 1
    except errors.QueryCanceled:
        pass
    where, params = compile_filter(whole)
    plan = await _scalar(conn, ESTIMATE.format(where=where), params)
    return Total(max(at_least, round(plan[0]["Plan"]["Plan Rows"])), exact=False)


async def _scalar(conn: AsyncConnection, statement: sql.Composed, params: dict[str, object]) -> Any:
    row = await (await conn.execute(statement, params, prepare=False)).fetchone()
    assert row is not None
    return row[0]


async def entry_by_code(conn: AsyncConnection, code: uuid.UUID, access_tags: Sequence[str]) -> EntryRow | None:
    """The entry ``code``, or None when it does not exist or carries none of ``access_tags``."""
    params = Params()
    tags = params.bind(list(access_tags), "::text[]")
    rows = await fetch(conn, ENTRY_BY_CODE.format(columns=COLUMNS, code=params.bind(code), tags=tags), params.values)
    return rows[0] if rows else None


async def fetch(
    conn: AsyncConnection, statement: sql.Composed, params: dict[str, object], *, prepare: bool = False
) -> list[EntryRow]:
    """The rows of ``statement``; ``prepare``: on a generic plan, kept on the server for the next time."""
    async with conn.cursor(row_factory=class_row(EntryRow)) as cursor:
        await cursor.execute(statement, params, prepare=prepare)
        return await cursor.fetchall()
