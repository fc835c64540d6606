"""Raw bytes to validated entries, or to a rejection that names the field."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from chronicles.contract.messages import EntryMessage

# Entries from Kafka without a sequence_code get one derived from their
# position in the log, so a redelivered message maps to the same entry.
KAFKA_NAMESPACE = uuid.UUID("6f0e3c4e-8d1b-4a7e-9a52-3b1d2f8c9e10")


@dataclass(frozen=True)
class RawMessage:
    data: bytes
    source: str  # kafka | http | outbox | redrive
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None

    def fallback_sequence_code(self) -> uuid.UUID:
        if self.topic is not None and self.offset is not None:
            return uuid.uuid5(KAFKA_NAMESPACE, f"{self.topic}/{self.partition}/{self.offset}")
        return uuid.uuid4()


@dataclass(frozen=True)
class Rejection:
    index: int
    field: str | None
    message: str
    raw: RawMessage


@dataclass(frozen=True)
class ValidEntry:
    index: int
    message: EntryMessage
    sequence_code: uuid.UUID


def parse(index: int, raw: RawMessage) -> ValidEntry | Rejection:
    try:
        document: Any = json.loads(raw.data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return Rejection(index, None, f"not JSON: {error}", raw)
    return validate(index, document, raw)


def validate(index: int, document: Any, raw: RawMessage) -> ValidEntry | Rejection:
    if not isinstance(document, dict):
        return Rejection(index, None, "an entry must be a JSON object", raw)
    try:
        message = EntryMessage.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        return Rejection(index, field, first["msg"].removeprefix("Value error, "), raw)
    return ValidEntry(index, message, message.sequence_code or raw.fallback_sequence_code())
