"""The internal API's GraphQL types, built from the domain objects they show."""

from __future__ import annotations

import base64
import dataclasses
from datetime import datetime
from typing import Any, NewType

import strawberry
from strawberry.scalars import JSON

from chronicles.contract.conditions import PayloadOperation as DomainOperation
from chronicles.errors import InputError
from chronicles.ingest.dead_letters import DeadLetterRow
from chronicles.ingest.status import ConsumerPartitionRow
from chronicles.ingest.status import IngestionStatus as DomainStatus
from chronicles.rules.book import TagKind as DomainKind
from chronicles.rules.progress import BackfillProgress
from chronicles.rules.service import StoredRule
from chronicles.rules.templates import StoredTemplate

PayloadOperation = strawberry.enum(DomainOperation, name="PayloadOperation")
# Ids, offsets and counts outgrow GraphQL's 32-bit Int; JSON numbers carry them exactly up to 2**53.
Long = NewType("Long", int)
LONG_SCALAR = strawberry.scalar(
    name="Long", serialize=int, parse_value=int, description="A 64-bit integer, as a JSON number."
)
TagKind = strawberry.enum(DomainKind, name="TagKind")


@strawberry.type
class PayloadCondition:
    operation: PayloadOperation  # type: ignore[valid-type]
    path: list[str]
    value: JSON | None


@strawberry.type
class RuleMatch:
    apps: list[str]
    subject_types: list[str]
    actions: list[str]
    payload: list[PayloadCondition]


@strawberry.type
class TagRule:
    name: str
    kind: TagKind  # type: ignore[valid-type]
    tag: str
    match: RuleMatch
    enabled: bool
    revision: int
    created_at: datetime
    updated_at: datetime
    retired_versions: int = strawberry.field(
        description="Earlier versions whose tags may still be on stored entries (a backfill removes them)."
    )

    @classmethod
    def of(cls, stored: StoredRule) -> TagRule:
        rule, match = stored.definition, stored.definition.match
        conditions = [PayloadCondition(operation=c.operation, path=list(c.path), value=c.value) for c in match.payload]
        return cls(
            name=rule.name,
            kind=rule.kind,
            tag=rule.tag,
            match=RuleMatch(
                apps=list(match.apps),
                subject_types=list(match.subject_types),
                actions=list(match.actions),
                payload=conditions,
            ),
            enabled=rule.enabled,
            revision=stored.revision,
            created_at=stored.created_at,
            updated_at=stored.updated_at,
            retired_versions=len(stored.retired),
        )


@strawberry.type
class Template:
    name: str
    app: str
    subject_type: str
    action: str
    text: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, stored: StoredTemplate) -> Template:
        template = stored.definition
        return cls(
            name=template.name,
            app=template.app,
            subject_type=template.subject_type,
            action=template.action,
            text=template.text,
            created_at=stored.created_at,
            updated_at=stored.updated_at,
        )


@strawberry.type
class Backfill:
    id: int
    rule: str
    status: str = strawberry.field(description="queued, running, done, failed or superseded.")
    scanned: int = strawberry.field(graphql_type=Long, description="Entries read so far.")
    tagged: int = strawberry.field(graphql_type=Long, description="Entries that gained the rule's tag.")
    untagged: int = strawberry.field(
        graphql_type=Long, description="Entries that lost a tag an earlier version of the rule gave."
    )
    start_id: int = strawberry.field(graphql_type=Long)
    next_id: int = strawberry.field(
        graphql_type=Long, description="Entries up to this id are done; a resumed backfill starts here."
    )
    upper_id: int = strawberry.field(graphql_type=Long)
    total_estimate: int = strawberry.field(
        graphql_type=Long, description="Entries to cover, estimated from the id range."
    )
    covered_estimate: int = strawberry.field(graphql_type=Long)
    progress: float = strawberry.field(description="0 to 1.")
    error: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, backfill: BackfillProgress) -> Backfill:
        return cls(
            id=backfill.id,
            rule=backfill.rule,
            status=backfill.status,
            scanned=backfill.scanned,
            tagged=backfill.tagged,
            untagged=backfill.untagged,
            start_id=backfill.start_id,
            next_id=backfill.next_id,
            upper_id=backfill.upper_id,
            total_estimate=backfill.total_estimate,
            covered_estimate=backfill.covered_estimate,
            progress=backfill.fraction,
            error=backfill.error,
            created_at=backfill.created_at,
            finished_at=backfill.finished_at,
        )


@strawberry.type
class DeadLetter:
    id: strawberry.ID
    source: str
    raw: str = strawberry.field(description="The bytes as received: text when UTF-8, else base64.")
    raw_encoding: str = strawberry.field(description="`utf-8` or `base64`.")
    error: str
    field: str | None
    topic: str | None
    partition: int | None
    offset: int | None = strawberry.field(graphql_type=Long | None)
    received_at: datetime
    status: str
    attempts: int = strawberry.field(description="How often it was re-driven.")
    resolved_at: datetime | None
    deliveries: int = strawberry.field(
        description="How often the same message (source, position, bytes) arrived while this letter was pending."
    )
    last_received_at: datetime | None = strawberry.field(description="When it last arrived again (null: once).")

    @classmethod
    def of(cls, letter: DeadLetterRow) -> DeadLetter:
        text = letter.raw_text
        return cls(
            id=strawberry.ID(str(letter.id)),
            source=letter.source,
            raw=text if text is not None else letter.raw_base64,
            raw_encoding="utf-8" if text is not None else "base64",
            error=letter.error,
            field=letter.field,
            topic=letter.topic,
            partition=letter.partition,
            offset=letter.offset,
            received_at=letter.received_at,
            status=letter.status,
            attempts=letter.attempts,
            resolved_at=letter.resolved_at,
            deliveries=letter.deliveries,
            last_received_at=letter.last_received_at,
        )


@strawberry.type
class DeadLetterEdge:
    node: DeadLetter
    cursor: str


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class DeadLetterConnection:
    edges: list[DeadLetterEdge]
    page_info: PageInfo


@strawberry.type
class ConsumerPartition:
    consumer_group: str
    topic: str
    partition: int
    committed_offset: int = strawberry.field(graphql_type=Long)
    high_watermark: int = strawberry.field(graphql_type=Long)
    lag: int = strawberry.field(graphql_type=Long)
    updated_at: datetime

    @classmethod
    def of(cls, row: ConsumerPartitionRow) -> ConsumerPartition:
        return cls(**row.__dict__)


@strawberry.type
class IngestionStatus:
    consumers: list[ConsumerPartition]
    total_lag: int = strawberry.field(graphql_type=Long)
    entries_last_minute: int = strawberry.field(graphql_type=Long)
    entries_last_hour: int = strawberry.field(graphql_type=Long)
    entries_estimate: int = strawberry.field(
        graphql_type=Long, description="The planner's estimate, not an exact count."
    )
    dead_letters_pending: int = strawberry.field(graphql_type=Long)
    backfills_unfinished: int
    replica_lag_seconds: float | None = strawberry.field(
        description="Seconds the read replica (CHRONICLES_READ_DATABASE_URL) is behind the primary, read on the "
        "replica. Null without a replica, or while it cannot be reached (see replicaReachable)."
    )
    replica_reachable: bool | None = strawberry.field(
        description="Whether the read replica answered. Null without a replica."
    )

    @classmethod
    def of(cls, status: DomainStatus) -> IngestionStatus:
        return cls(
            consumers=[ConsumerPartition.of(row) for row in status.consumers],
            total_lag=status.total_lag,
            entries_last_minute=status.entries_last_minute,
            entries_last_hour=status.entries_last_hour,
            entries_estimate=status.entries_estimate,
            dead_letters_pending=status.dead_letters_pending,
            backfills_unfinished=status.backfills_unfinished,
            replica_lag_seconds=status.replica.lag_seconds if status.replica else None,
            replica_reachable=status.replica.reachable if status.replica else None,
        )


def encode_cursor(letter_id: int) -> str:
    return base64.urlsafe_b64encode(f"dead-letter:{letter_id}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        kind, _, number = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind == "dead-letter" and number.isdigit():
            return int(number)
    except (ValueError, UnicodeDecodeError):
        pass
    raise InputError.one("after", "is not a cursor this API gave out")


def as_dict(value: Any) -> Any:
    """A strawberry input (nested) as plain data with snake_case keys, dropping unset (None) fields."""
    if isinstance(value, list):
        return [as_dict(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # strawberry inputs are dataclasses
        fields = ((field.name, getattr(value, field.name)) for field in dataclasses.fields(value))
        return {name: as_dict(item) for name, item in fields if item is not None}
    return value
