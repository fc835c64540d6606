"""One path for every way entries arrive: parse, tag, store, dead-letter — in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection

from chronicles.contract.patterns import GlobalId
from chronicles.ingest.fast_path import GIDS, Reading, from_model, read_canonical
from chronicles.ingest.parsing import Decoded, RawMessage, Rejection, ValidEntry, parse, validate
from chronicles.observability import Metrics
from chronicles.rules.book import RuleBook
from chronicles.rules.placeholders import MISSING, EntryView
from chronicles.rules.repository import RuleBookCache
from chronicles.store.writer import BatchResult, NewDeadLetter, NewEntry, store_batch


@dataclass(frozen=True)
class IngestOutcome:
    result: BatchResult
    rejections: list[Rejection]

    @property
    def accepted(self) -> int:
        return self.result.inserted + self.result.duplicates


class Ingestor:
    """Stores batches of messages; one per process, it caches the rule book."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self.rules = RuleBookCache()
        self.metrics = metrics

    async def ingest_raw(self, conn: AsyncConnection, raws: Sequence[RawMessage], source: str) -> IngestOutcome:
        """Bytes as they came (a Kafka batch, NDJSON lines, dead letters to re-drive)."""
        return await self._store(conn, [read(index, raw) for index, raw in enumerate(raws)], source)

    async def ingest_documents(
        self, conn: AsyncConnection, documents: Sequence[tuple[object, RawMessage]], source: str
    ) -> IngestOutcome:
        """Documents already decoded from JSON (the items of an HTTP array)."""
        parsed = [validate(index, document, raw) for index, (document, raw) in enumerate(documents)]
        return await self._store(conn, _readings(parsed), source)

    async def ingest_decoded(
        self, conn: AsyncConnection, items: Sequence[Decoded | Rejection], source: str
    ) -> IngestOutcome:
        """Items already split from a body and decoded (the HTTP intake); rejections become dead letters."""
        parsed = [
            item if isinstance(item, Rejection) else validate(item.index, item.document, item.raw) for item in items
        ]
        return await self._store(conn, _readings(parsed), source)

    async def dead_letter(self, conn: AsyncConnection, rejections: Sequence[Rejection], source: str) -> IngestOutcome:
        """Keep messages that passed the contract but that the database refused (e.g. a NUL in a string)."""
        return await self._store(conn, list(rejections), source)

    async def _store(self, conn: AsyncConnection, parsed: list[Reading | Rejection], source: str) -> IngestOutcome:
        entries = [item for item in parsed if type(item) is Reading]
        rejections = [item for item in parsed if type(item) is Rejection]
        async with conn.transaction():
            book = await self.rules.current(conn)
            tagged = [_tagged(entry, book) for entry in entries]
            result = await store_batch(conn, tagged, [_dead_letter(rejection) for rejection in rejections])
        if self.metrics is not None:
            self.metrics.record_batch(source, result.inserted, result.duplicates, result.dead_lettered)
        return IngestOutcome(result, rejections)


def read(index: int, raw: RawMessage) -> Reading | Rejection:
    """The message's entry (the canonical shape read directly, any other by the model), or its rejection."""
    reading = read_canonical(raw.data)
    if reading is None:
        parsed = parse(index, raw)
        return parsed if isinstance(parsed, Rejection) else from_model(parsed)
    if reading.sequence_code is None:
        return reading._replace(sequence_code=str(raw.fallback_sequence_code()))
    return reading


def _readings(parsed: list[ValidEntry | Rejection]) -> list[Reading | Rejection]:
    return [item if isinstance(item, Rejection) else from_model(item) for item in parsed]


class TaggingView(EntryView):
    """What rules see of an entry, with its gids split once per process, not at each placeholder."""

    def lookup(self, field: str, path: tuple[str, ...] = ()) -> Any:
        head, _, part = field.partition(".")
        if part and head in ("subject", "performer"):
            gid = self.subject if head == "subject" else self.performer
            if gid is None:
                return MISSING
            return getattr(GIDS.get(gid) or GlobalId.parse(gid), part)
        return super().lookup(field, path)


def _tagged(entry: Reading, book: RuleBook) -> NewEntry:
    """The entry with the tags the rule book gives it (rules see the same fields placeholders do)."""
    occurred_at = entry.occurred_at.isoformat()
    view = TaggingView(entry.app, entry.subject, entry.action, entry.performer, entry.payload, occurred_at)
    tags = book.tags_for(view, entry.subject_type)
    assert entry.sequence_code is not None  # named by read() or by the model
    return NewEntry(
        entry.sequence_code,
        entry.app,
        entry.subject,
        entry.subject_type,
        entry.action,
        entry.performer,
        entry.payload_json,
        occurred_at,
        tags.feed,
        tags.access,
    )


def _dead_letter(rejection: Rejection) -> NewDeadLetter:
    raw = rejection.raw
    error = rejection.message if rejection.field is None else f"{rejection.field}: {rejection.message}"
    return NewDeadLetter(raw.source, raw.data, error, rejection.field, raw.topic, raw.partition, raw.offset)
