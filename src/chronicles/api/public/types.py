"""The public GraphQL types. The names are a contract other applications code against: add, never rename."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from chronicles.api.public.context import Info
from chronicles.store.search import EntryRow, Total


@strawberry.enum(description="How several feed tags combine: an entry carries ANY of them, or ALL of them.")
class TagMatch(Enum):
    ANY = "ANY"
    ALL = "ALL"


@strawberry.enum(description="See PayloadCondition.")
class PayloadOperation(Enum):
    EQ = "EQ"
    NOT_EQ = "NOT_EQ"
    IN = "IN"
    CONTAINS = "CONTAINS"
    EXISTS = "EXISTS"
    GT = "GT"
    GTE = "GTE"
    LT = "LT"
    LTE = "LTE"


@strawberry.input(
    description="A test on the payload value at `path` (keys; digits also index arrays). "
    "EQ/NOT_EQ/IN: JSON equality (1 = 1.0, true ≠ 1); NOT_EQ also holds when the path is missing. "
    "CONTAINS: an array holds the value (or all values of a list), an object holds the sub-object, "
    "a string holds the substring. EXISTS: the path leads to a value (null counts). "
    "GT/GTE/LT/LTE: numbers with numbers, strings with strings (code-point order)."
)
class PayloadCondition:
    operation: PayloadOperation
    path: list[str]
    value: JSON | None = strawberry.UNSET


@strawberry.input(description="Filters combine with AND; the values of one list with OR. A list needs 1+ values.")
class EntryFilter:
    apps: list[str] | None = strawberry.UNSET
    subjects: list[str] | None = strawberry.UNSET
    subject_types: list[str] | None = strawberry.UNSET
    actions: list[str] | None = strawberry.UNSET
    performers: list[str] | None = strawberry.UNSET
    feed_tags: list[str] | None = strawberry.UNSET
    feed_tags_match: TagMatch | None = TagMatch.ANY
    occurred_after: datetime | None = strawberry.field(default=strawberry.UNSET, description="Inclusive.")
    occurred_before: datetime | None = strawberry.field(default=strawberry.UNSET, description="Exclusive.")
    payload: list[PayloadCondition] | None = strawberry.UNSET

    def document(self) -> dict[str, Any]:
        """The filter as the pydantic contract reads it (GraphQL names; absent and null fields left out)."""
        names = {
            "apps": self.apps,
            "subjects": self.subjects,
            "subjectTypes": self.subject_types,
            "actions": self.actions,
            "performers": self.performers,
            "feedTags": self.feed_tags,
            "feedTagsMatch": self.feed_tags_match.value if isinstance(self.feed_tags_match, TagMatch) else None,
            "occurredAfter": self.occurred_after,
            "occurredBefore": self.occurred_before,
        }
        document: dict[str, Any] = {name: value for name, value in names.items() if _given(value)}
        if _given(self.payload):
            document["payload"] = [_condition(condition) for condition in self.payload or ()]
        return document


def _given(value: object) -> bool:
    return value is not strawberry.UNSET and value is not None


def _condition(condition: PayloadCondition) -> dict[str, Any]:
    value = None if condition.value is strawberry.UNSET else condition.value
    return {"operation": condition.operation.value, "path": condition.path, "value": value}


async def _text(root: Entry, info: Info) -> str | None:
    return await info.context.render(root.row)


@strawberry.type(description="One action on a platform: who did what to which object, when.")
class Entry:
    sequence_code: uuid.UUID
    app: str
    subject: str = strawberry.field(description="A global id: gid://APP/TYPE/ID.")
    subject_type: str
    action: str
    performer: str | None = strawberry.field(description="A global id, or null for the system.")
    payload: JSON
    occurred_at: datetime
    recorded_at: datetime
    feed_tags: list[str]
    access_tags: list[str]
    row: strawberry.Private[EntryRow]
    text: str | None = strawberry.field(
        resolver=_text, description="The entry rendered by its template (app, subject type, action); null without one."
    )

    @classmethod
    def from_row(cls, row: EntryRow) -> Entry:
        return cls(
            sequence_code=row.sequence_code,
            app=row.app,
            subject=row.subject,
            subject_type=row.subject_type,
            action=row.action,
            performer=row.performer,
            payload=JSON(row.payload),
            occurred_at=row.occurred_at.astimezone(UTC),
            recorded_at=row.recorded_at.astimezone(UTC),
            feed_tags=row.feed_tags,
            access_tags=row.access_tags,
            row=row,
        )


@strawberry.type
class EntryEdge:
    node: Entry
    cursor: str = strawberry.field(description="Opaque; pass it as `after` to read on from this entry.")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


class LazyTotal:
    """The total of a search, counted once, and only when a field asks for it (a count costs a query)."""

    def __init__(self, count: Callable[[], Awaitable[Total]]) -> None:
        self._count = count
        self._task: asyncio.Future[Total] | None = None

    async def get(self) -> Total:
        if self._task is None:
            self._task = asyncio.ensure_future(self._count())
        return await self._task


async def _total_count(root: EntryConnection) -> int:
    return (await root.total.get()).value


async def _total_count_is_estimate(root: EntryConnection) -> bool:
    return not (await root.total.get()).exact


@strawberry.type(description="A page of entries, newest first.")
class EntryConnection:
    edges: list[EntryEdge]
    page_info: PageInfo
    total: strawberry.Private[LazyTotal]
    total_count: int = strawberry.field(
        resolver=_total_count,
        description="Entries the filter selects (whatever the cursor): exact up to a bound "
        "(CHRONICLES_EXACT_COUNT_LIMIT, 10,000 by default), above it the planner's estimate; "
        "see totalCountIsEstimate. Costs a query: ask for it only when it is shown.",
    )
    total_count_is_estimate: bool = strawberry.field(
        resolver=_total_count_is_estimate, description="Whether totalCount is an estimate (true) or exact (false)."
    )

    @classmethod
    def from_rows(cls, rows: list[EntryRow], has_next: bool, total: LazyTotal) -> EntryConnection:
        edges = [EntryEdge(node=Entry.from_row(row), cursor=row.position.encode()) for row in rows]
        end_cursor = edges[-1].cursor if edges else None
        return cls(edges=edges, page_info=PageInfo(has_next_page=has_next, end_cursor=end_cursor), total=total)
