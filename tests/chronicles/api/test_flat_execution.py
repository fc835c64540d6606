"""The one-pass completion of plain objects answers exactly what graphql-core's own completion answers."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import strawberry
from strawberry.extensions import ParserCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from chronicles.api.flat_execution import FlatExecutionContext
from chronicles.api.public.types import Entry, EntryConnection, LazyTotal
from chronicles.store.search import EntryRow, Total

NOON = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _row(index: int, **changes: Any) -> EntryRow:
    values: dict[str, Any] = {
        "id": index,
        "sequence_code": uuid.UUID(int=index + 1),
        "app": "practica",
        "subject": f"gid://practica/Lesson/{index}",
        "subject_type": "Lesson",
        "action": "lesson.viewed",
        "performer": None if index % 3 == 0 else f"gid://practica/User/{index}",
        "payload": {"org": index, "title": "Ünïcode \u2028", "tests": {"passed": index, "ratio": 0.5}, "tags": []},
        "occurred_at": NOON - timedelta(minutes=index),
        "recorded_at": NOON,
        "feed_tags": [f"lesson:{index}"] if index % 2 else [],
        "access_tags": ["org:1"],
    }
    return EntryRow(**{**values, **changes})


class Recording(FlatExecutionContext):
    """Counts what the fast path completed, over all requests of a test."""

    completed: ClassVar[list[int]] = []

    def build_response(self, *args: Any, **kwargs: Any) -> Any:
        Recording.completed.append(self.flat_objects)
        return super().build_response(*args, **kwargs)


def _schemas(rows: list[EntryRow], cached: bool = False) -> tuple[strawberry.Schema, strawberry.Schema]:
    async def exact() -> Total:
        return Total(len(rows), exact=True)

    @strawberry.type
    class Query:
        @strawberry.field
        def entries(self) -> EntryConnection:
            return EntryConnection.from_rows(rows, has_next=True, total=LazyTotal(exact))

        @strawberry.field
        def entry(self) -> Entry | None:
            return Entry.from_row(rows[0]) if rows else None

    parse_once = [lambda: ParserCache(maxsize=64)] if cached else []  # the service's: one parsed document per text
    return (
        strawberry.Schema(query=Query, execution_context_class=Recording, extensions=parse_once),
        strawberry.Schema(query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext),
    )


DOCUMENT = """
query($withCodes: Boolean!, $skipApp: Boolean!) {
  __typename
  entries {
    __typename
    totalCount
    edges {
      cursor
      at: cursor
      node {
        __typename sequenceCode app @skip(if: $skipApp) subject subjectType action performer payload
        occurredAt recordedAt feedTags accessTags
        ... on Entry { code: sequenceCode @include(if: $withCodes) feedTags }
        ...more
      }
    }
    pageInfo { hasNextPage endCursor }
  }
  entry { ...more app }
}
fragment more on Entry { performer occurredAt payload }
"""


def _answers(rows: list[EntryRow], variables: dict[str, Any], document: str = DOCUMENT) -> tuple[Any, Any]:
    flat, generic = _schemas(rows)
    ours = asyncio.run(flat.execute(document, variable_values=variables))
    theirs = asyncio.run(generic.execute(document, variable_values=variables))
    return (ours.data, [error.formatted for error in ours.errors or ()]), (
        theirs.data,
        [error.formatted for error in theirs.errors or ()],
    )


def test_the_same_answer_for_every_kind_of_selection() -> None:
    rows = [_row(index) for index in range(25)]
    for variables in ({"withCodes": True, "skipApp": False}, {"withCodes": False, "skipApp": True}):
        Recording.completed.clear()
        ours, theirs = _answers(rows, variables)
        assert ours == theirs
        assert ours[0]["entries"]["edges"][3]["node"]["payload"]["title"] == "Ünïcode \u2028"
        assert Recording.completed[0] >= 2 * len(rows)  # every edge and every entry went the fast way


def test_a_null_in_a_non_null_field_gets_graphql_cores_error_and_path() -> None:
    rows = [_row(0), _row(1, app=None), _row(2)]
    ours, theirs = _answers(rows, {"withCodes": True, "skipApp": False})
    assert ours == theirs
    assert ours[1][0]["path"] == ["entries", "edges", 1, "node", "app"]


def test_a_value_that_does_not_coerce_gets_graphql_cores_error() -> None:
    rows = [_row(0), _row(1, feed_tags=[{"not": "a string"}])]
    ours, theirs = _answers(rows, {"withCodes": False, "skipApp": False})
    assert ours == theirs
    assert ours[1][0]["path"][:4] == ["entries", "edges", 1, "node"]


def test_an_empty_page() -> None:
    ours, theirs = _answers([], {"withCodes": True, "skipApp": False})
    assert ours == theirs
    assert ours[0]["entries"]["edges"] == []


PLAIN = "{ entries { edges { cursor node { sequenceCode app payload feedTags } } pageInfo { endCursor } } }"


def test_plans_kept_across_requests_of_one_parsed_document_answer_each_request_right() -> None:
    """A document without directives reuses its plans; one with directives selects per request's variables."""
    cases = [
        (PLAIN, {}, [_row(index) for index in range(4)]),
        (PLAIN, {}, [_row(index, app=f"app-{index}") for index in range(6)]),
        (PLAIN, {}, [_row(0), _row(1, app=None)]),
        (DOCUMENT, {"withCodes": True, "skipApp": False}, [_row(index) for index in range(3)]),
        (DOCUMENT, {"withCodes": False, "skipApp": True}, [_row(index) for index in range(3)]),
    ]
    shown: list[EntryRow] = []
    flat, generic = _schemas(shown, cached=True)  # one schema (the plans are per type) answering every case
    answers = []
    for document, variables, rows in cases:
        shown[:] = rows
        ours = asyncio.run(flat.execute(document, variable_values=variables))
        theirs = asyncio.run(generic.execute(document, variable_values=variables))
        assert (ours.data, ours.errors) == (theirs.data, theirs.errors)
        answers.append(ours.data)
    assert [edge["node"]["app"] for edge in answers[1]["entries"]["edges"]] == [f"app-{n}" for n in range(6)]
    assert "app" not in answers[4]["entries"]["edges"][0]["node"]
    assert "code" in answers[3]["entries"]["edges"][0]["node"]
