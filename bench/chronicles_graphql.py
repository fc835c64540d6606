"""The GraphQL layer's own CPU cost for one 25-row page, without HTTP or a database.

    .venv/bin/python -m bench.chronicles_graphql [--iterations 300]

Executes the search benchmark's document (bench/chronicles_search.py) with
the public schema's types over a fixed page of 25 entries, with parsing and
validation cached as the service caches them, once with graphql-core's own
completion and once with Chronicles' one-pass completion
(:mod:`chronicles.api.flat_execution`). CPU time is what the load of other
work on the machine inflates least; the best of five rounds is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import strawberry
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.scalars import JSON
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bench.chronicles_search import PAGE, QUERY
from chronicles.api.flat_execution import FlatExecutionContext
from chronicles.api.public.types import EntryConnection, LazyTotal
from chronicles.store.search import EntryRow, Total

NOON = datetime(2026, 3, 1, 12, tzinfo=UTC)
ROWS = [
    EntryRow(
        index, uuid.UUID(int=index + 1), "practica", f"gid://practica/Lesson/{index}", "Lesson", "lesson.viewed",
        "gid://practica/User/3", {"org": 7, "topics": ["git", "sql"], "revision": 3},
        NOON - timedelta(minutes=index), NOON, ["lesson:1", "user:3"], ["org:7"],
    )
    for index in range(PAGE)
]  # fmt: skip
DOCUMENT = QUERY.replace("$filter: EntryFilter", "$filter: JSON")


async def _no_total() -> Total:
    return Total(0, exact=True)


@strawberry.type
class Query:
    @strawberry.field
    def entries(
        self, filter: JSON | None = None, first: int | None = None, after: str | None = None
    ) -> EntryConnection:
        return EntryConnection.from_rows(ROWS, has_next=True, total=LazyTotal(_no_total))


def cpu_per_execute(execution_context: type[StrawberryGraphQLCoreExecutionContext], iterations: int) -> float:
    """Milliseconds of CPU per execution of the document, the best of five rounds."""
    schema = strawberry.Schema(
        query=Query,
        execution_context_class=execution_context,
        extensions=[lambda: ParserCache(maxsize=16), lambda: ValidationCache(maxsize=16)],
    )
    variables: dict[str, Any] = {"filter": {"subjects": ["gid://practica/Lesson/1"]}, "first": PAGE}

    async def run(count: int) -> None:
        for _ in range(count):
            result = await schema.execute(DOCUMENT, variable_values=variables)
            assert not result.errors, result.errors

    asyncio.run(run(50))
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        asyncio.run(run(iterations))
        best = min(best, (time.process_time() - started) / iterations)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=300)
    options = parser.parse_args()
    generic = cpu_per_execute(StrawberryGraphQLCoreExecutionContext, options.iterations)
    flat = cpu_per_execute(FlatExecutionContext, options.iterations)
    print(f"GraphQL execution of a {PAGE}-row page (parse and validation cached), CPU per request:")
    print(f"  graphql-core's completion {generic:.3f} ms, one-pass completion {flat:.3f} ms ({flat / generic:.2f}x)")


if __name__ == "__main__":
    main()
