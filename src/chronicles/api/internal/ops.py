"""Internal API: backfills, dead letters, ingestion status."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from chronicles.api.errors import FieldError
from chronicles.api.internal.context import Info
from chronicles.api.internal.types import (
    Backfill,
    DeadLetter,
    DeadLetterConnection,
    DeadLetterEdge,
    IngestionStatus,
    PageInfo,
    decode_cursor,
    encode_cursor,
)
from chronicles.console import activity
from chronicles.errors import FieldError as DomainFieldError
from chronicles.errors import InputError
from chronicles.ingest import dead_letters
from chronicles.rules.backfill import start_backfill
from chronicles.rules.progress import get_backfill, list_backfills

MAX_FIRST = 500


@strawberry.enum
class DeadLetterStatus(Enum):
    PENDING = "pending"
    REDRIVEN = "redriven"
    DISCARDED = "discarded"


@strawberry.type
class BackfillPayload:
    backfill: Backfill | None = None
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class RedrivePayload:
    redriven: list[strawberry.ID] = strawberry.field(default_factory=list, description="Stored now.")
    still_failing: list[DeadLetter] = strawberry.field(
        default_factory=list, description="Still pending, with one more attempt and the new error."
    )
    skipped: list[strawberry.ID] = strawberry.field(default_factory=list, description="Not pending, or no such id.")
    errors: list[FieldError] = strawberry.field(default_factory=list)


@strawberry.type
class DiscardPayload:
    discarded: list[strawberry.ID] = strawberry.field(default_factory=list)
    errors: list[FieldError] = strawberry.field(default_factory=list)


async def backfills(info: Info, rule_name: str | None = None, first: int = 50) -> list[Backfill]:
    _check_first(first)
    async with info.context.transaction() as conn:
        return [Backfill.of(row) for row in await list_backfills(conn, rule=rule_name, limit=first)]


async def start_backfill_for(info: Info, rule_name: str) -> BackfillPayload:
    async with info.context.transaction() as conn:
        progress = await get_backfill(conn, await start_backfill(conn, rule_name))
    return BackfillPayload(backfill=Backfill.of(progress) if progress else None)


async def dead_letters_page(
    info: Info,
    status: DeadLetterStatus | None = DeadLetterStatus.PENDING,
    first: int = 50,
    after: str | None = None,
    source: Annotated[
        str | None, strawberry.argument(description="Only letters from this source (`kafka`, `http`, `outbox`).")
    ] = None,
) -> DeadLetterConnection:
    """Oldest first; ``status: null`` lists every status."""
    _check_first(first)
    after_id = decode_cursor(after) if after is not None else 0
    async with info.context.transaction() as conn:
        page, more = await activity.dead_letters_page(
            conn, status=status.value if status else None, source=source, first=first, after=after_id
        )
    edges = [DeadLetterEdge(node=DeadLetter.of(letter), cursor=encode_cursor(letter.id)) for letter in page]
    return DeadLetterConnection(
        edges=edges, page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None)
    )


async def redrive_dead_letters(info: Info, ids: list[strawberry.ID]) -> RedrivePayload:
    numbers = _ids(ids)
    async with info.context.transaction() as conn:
        outcome = await dead_letters.redrive(conn, info.context.services.ingestor, numbers)
    return RedrivePayload(
        redriven=[strawberry.ID(str(number)) for number in outcome.redriven],
        still_failing=[DeadLetter.of(letter) for letter in outcome.failing],
        skipped=[strawberry.ID(str(number)) for number in outcome.skipped],
    )


async def discard_dead_letters(info: Info, ids: list[strawberry.ID]) -> DiscardPayload:
    numbers = _ids(ids)
    async with info.context.transaction() as conn:
        discarded = await dead_letters.discard(conn, numbers)
    return DiscardPayload(discarded=[strawberry.ID(str(number)) for number in discarded])


async def ingestion_status(info: Info) -> IngestionStatus:
    return IngestionStatus.of(await info.context.services.ingestion_status())


def _ids(ids: list[strawberry.ID]) -> list[int]:
    if not 1 <= len(ids) <= dead_letters.MAX_IDS:
        raise InputError.one("ids", f"give 1 to {dead_letters.MAX_IDS} ids")
    bad = [
        DomainFieldError(("ids", i), "is not a dead letter id") for i, raw in enumerate(ids) if not str(raw).isdigit()
    ]
    if bad:
        raise InputError(bad)
    return [int(raw) for raw in ids]


def _check_first(first: int) -> None:
    if not 1 <= first <= MAX_FIRST:
        raise InputError.one("first", f"must be between 1 and {MAX_FIRST}")
