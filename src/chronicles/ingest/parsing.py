"""Raw bytes to validated entries, or to a rejection that names the field.

Whatever goes wrong with one item (not JSON, nested deeper than the decoder
follows, a number longer than Python converts, a value the contract's
validators choke on) is that item's :class:`Rejection`, never an exception:
a batch (a Kafka poll, an NDJSON body) must not lose its good items, nor a
consumer stop on the same message at every redelivery, because of one bad one.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, NamedTuple

from pydantic import ValidationError

from chronicles.contract.filters import MAX_VALUE_DEPTH
from chronicles.contract.messages import EntryMessage

# Entries from Kafka without a sequence_code get one derived from their
# position in the log, so a redelivered message maps to the same entry.
KAFKA_NAMESPACE = uuid.UUID("6f0e3c4e-8d1b-4a7e-9a52-3b1d2f8c9e10")
TOO_DEEP = f"it nests too deeply to read (a payload may nest at most {MAX_VALUE_DEPTH} levels)"
MAX_DETAIL = 200


class RawMessage(NamedTuple):
    """A message's bytes as they arrived, and where from (a tuple: a Kafka batch makes thousands)."""

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


@dataclass(frozen=True)
class Decoded:
    """An item read as JSON, not yet checked against the contract."""

    index: int
    document: Any
    raw: RawMessage


def parse(index: int, raw: RawMessage) -> ValidEntry | Rejection:
    decoded = decode(index, raw)
    if isinstance(decoded, Rejection):
        return decoded
    return validate(index, decoded.document, raw)


def decode(index: int, raw: RawMessage) -> Decoded | Rejection:
    """The item's JSON document, or its rejection."""
    try:
        document: Any = json.loads(raw.data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return Rejection(index, None, f"not JSON: {error}", raw)
    except Exception as error:  # too deep, a number too long, ...: this item's error, not the batch's
        return Rejection(index, None, unreadable(error), raw)
    return Decoded(index, document, raw)


def validate(index: int, document: Any, raw: RawMessage) -> ValidEntry | Rejection:
    if not isinstance(document, dict):
        return Rejection(index, None, "an entry must be a JSON object", raw)
    try:
        message = EntryMessage.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        return Rejection(index, field, first["msg"].removeprefix("Value error, "), raw)
    except Exception as error:  # a validator that fails otherwise still only fails this item
        return Rejection(index, None, unreadable(error), raw)
    return ValidEntry(index, message, message.sequence_code or raw.fallback_sequence_code())


def unreadable(error: Exception) -> str:
    """What to tell the producer about an item the decoder or a validator could not handle."""
    if isinstance(error, RecursionError):
        return TOO_DEEP
    return f"it cannot be read ({type(error).__name__}: {str(error)[:MAX_DETAIL]})"
