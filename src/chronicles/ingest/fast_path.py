"""The common shape of an entry message, read without building a pydantic model.

Nearly every message a producer sends is canonical: a JSON object with the
contract's fields, a lower-case UUID, an ISO 8601 time with ``Z`` or an
offset. :func:`read_canonical` reads exactly those at a fraction of the cost of
:class:`~chronicles.contract.messages.EntryMessage` (which was most of the
Kafka consumer's Python per entry), with the contract's own patterns and
limits. Whatever it is not sure of (any other shape, any value the model
might read differently or refuse) it does not judge: it answers None and the
caller reads the message with the model, which also words the rejection. So
it accepts a subset of what the model accepts, with the same values;
``tests/chronicles/ingest/test_fast_path.py`` checks both on generated
messages, and that the contract still has the fields read here.

What makes it cheap: one JSON parse (pydantic-core's, the same numbers and
strings as :func:`json.loads`); identifiers checked against their pattern once
per process (apps, actions and gids repeat); the payload serialised once
(the text stored) and its storability read from that text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, NamedTuple

from pydantic_core import from_json, to_json

from chronicles.contract.filters import MAX_VALUE_DEPTH
from chronicles.contract.messages import MAX_PAYLOAD_BYTES, EntryMessage
from chronicles.contract.patterns import ACTION_PATTERN, APP_PATTERN, GID_PATTERN, GlobalId
from chronicles.ingest.parsing import ValidEntry

FIELDS = frozenset(
    {"schema_version", "sequence_code", "app", "subject", "action", "performer", "payload", "occurred_at"}
)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)")
# A payload's compact JSON (UTF-8) is at least a sixth of its ASCII-escaped form, which the contract measures.
_SURELY_SMALL = MAX_PAYLOAD_BYTES // 6
KNOWN_LIMIT = 50_000  # identifiers remembered per kind; the memory starts over when full


class Reading(NamedTuple):
    """A valid entry message, with what storing and tagging it needs (the payload also as JSON text)."""

    sequence_code: str | None  # None: the caller names it (from its Kafka position)
    app: str
    subject: str
    subject_type: str
    action: str
    performer: str | None
    payload: dict[str, Any]
    payload_json: str
    occurred_at: datetime  # in UTC


class KnownValues:
    """Strings already seen to match a pattern, each with what was read from it."""

    def __init__(self, pattern: str, reading: Any = lambda value: value) -> None:
        self.pattern = re.compile(pattern)
        self.reading = reading
        self.known: dict[str, Any] = {}

    def get(self, value: str) -> Any:
        """What ``value`` reads as, or None if it does not match (TypeError if it is not a string)."""
        found = self.known.get(value)
        if found is None and self.pattern.fullmatch(value):  # fullmatch: Python's $ would allow a final \n
            if len(self.known) >= KNOWN_LIMIT:
                self.known.clear()
            found = self.known[value] = self.reading(value)
        return found


APPS = KnownValues(APP_PATTERN)
ACTIONS = KnownValues(ACTION_PATTERN)
GIDS = KnownValues(GID_PATTERN, GlobalId.parse)


def read_canonical(data: bytes) -> Reading | None:
    """The entry in ``data`` if it has the canonical shape; None when the model must decide."""
    try:
        document = from_json(data)
    except ValueError:
        return None
    if type(document) is not dict or not document.keys() <= FIELDS:
        return None
    try:
        return _read(document)
    except (KeyError, TypeError, ValueError):  # a field missing, a value of another type: the model's to judge
        return None


def _read(document: dict[str, Any]) -> Reading | None:
    version = document.get("schema_version", 1)
    code = document.get("sequence_code")
    app, action = document["app"], document["action"]
    subject, performer = document["subject"], document.get("performer")
    subject_id = GIDS.get(subject)
    if type(version) is not int or version != 1 or (code is not None and not _UUID.fullmatch(code)):
        return None
    if subject_id is None or APPS.get(app) is None or ACTIONS.get(action) is None:
        return None
    if performer is not None and GIDS.get(performer) is None:
        return None
    occurred_at = _utc_time(document["occurred_at"])
    payload = document.get("payload", {})
    payload_json = _payload_json(payload) if occurred_at is not None else None
    if occurred_at is None or payload_json is None:
        return None
    return Reading(code, app, subject, subject_id.type, action, performer, payload, payload_json, occurred_at)


def _utc_time(text: str) -> datetime | None:
    if not _TIME.fullmatch(text):
        return None
    return datetime.fromisoformat(text).astimezone(UTC)


def _payload_json(payload: dict[str, Any]) -> str | None:
    """The payload as compact JSON if the contract surely takes it; else None.

    What the contract checks, read from the text: its size (see :data:`_SURELY_SMALL`); NULs and
    non-finite numbers; strings that are not Unicode (``to_json`` raises); the nesting depth, which is
    at most the number of brackets.
    """
    if type(payload) is not dict:
        return None
    text = to_json(payload)
    # A NUL in a string or key, a number that is not finite. (These are also found inside some strings,
    # an escaped backslash before "u0000" or the word "NaN": such payloads go to the model.)
    if len(text) > _SURELY_SMALL or b"\\u0000" in text or b"NaN" in text or b"Infinity" in text:
        return None
    if text.count(b"{") + text.count(b"[") > MAX_VALUE_DEPTH:
        return None
    return text.decode()


def from_model(entry: ValidEntry) -> Reading:
    """The same for an entry the model read (a message of another shape, an HTTP document)."""
    message: EntryMessage = entry.message
    return Reading(
        str(entry.sequence_code),
        message.app,
        message.subject,
        message.subject_id.type,
        message.action,
        message.performer,
        message.payload,
        to_json(message.payload).decode(),
        message.occurred_at,
    )
