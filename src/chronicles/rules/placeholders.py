"""The placeholder language of tag rules and templates.

``{performer}``, ``{performer.type}``, ``{performer.id}``, ``{subject}``,
``{subject.app}``, ``{subject.type}``, ``{subject.id}``, ``{action}``,
``{app}``, ``{occurred_at}`` and ``{payload.PATH.TO.VALUE}``; ``{{`` and ``}}``
are literal braces. Nothing is evaluated: a placeholder is a lookup, and a
placeholder that cannot exist is refused when the rule or template is saved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chronicles.contract.patterns import MAX_PATH_DEPTH, PATH_SEGMENT_PATTERN, GlobalId

ENTRY_FIELDS = frozenset(
    {
        "performer",
        "performer.app",
        "performer.type",
        "performer.id",
        "subject",
        "subject.app",
        "subject.type",
        "subject.id",
        "action",
        "app",
        "occurred_at",
    }
)
_SEGMENT = re.compile(PATH_SEGMENT_PATTERN)
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


class PlaceholderError(ValueError):
    """A template names something an entry cannot have, or is malformed."""


@dataclass(frozen=True)
class Piece:
    literal: str = ""
    field: str | None = None  # an entry field, or "payload" with a path
    path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Template:
    """A parsed template: literal text and lookups, checked once."""

    source: str
    pieces: tuple[Piece, ...]

    @classmethod
    def parse(cls, source: str) -> Template:
        pieces: list[Piece] = []
        position = 0
        for match in _TOKEN.finditer(source):
            if match.start() > position:
                pieces.append(Piece(literal=source[position : match.start()]))
            token = match.group(0)
            if token in ("{{", "}}"):
                pieces.append(Piece(literal=token[0]))
            elif token in ("{", "}"):
                raise PlaceholderError(f"unmatched {token!r} at character {match.start() + 1} (write {token * 2})")
            else:
                pieces.append(_lookup(match.group(1).strip()))
            position = match.end()
        if position < len(source):
            pieces.append(Piece(literal=source[position:]))
        return cls(source, tuple(pieces))

    @property
    def placeholders(self) -> list[str]:
        return [_name(piece) for piece in self.pieces if piece.field is not None]

    def render(self, entry: EntryView, missing: Callable[[str], str | None] = lambda _: "") -> str | None:
        """Fill the placeholders; ``missing(name)`` decides what an absent value becomes.

        When ``missing`` returns None the whole rendering is None (a tag rule
        whose tag cannot be built does not tag the entry).
        """
        parts: list[str] = []
        for piece in self.pieces:
            if piece.field is None:
                parts.append(piece.literal)
                continue
            value = entry.lookup(piece.field, piece.path)
            if value is MISSING or value is None:
                replacement = missing(_name(piece))
                if replacement is None:
                    return None
                parts.append(replacement)
            else:
                parts.append(_as_text(value))
        return "".join(parts)


MISSING: Any = object()


@dataclass(frozen=True)
class EntryView:
    """The fields of an entry that placeholders and rules can read."""

    app: str
    subject: str
    action: str
    performer: str | None
    payload: dict[str, Any]
    occurred_at: str

    def lookup(self, field: str, path: tuple[str, ...] = ()) -> Any:
        if field == "payload":
            return payload_value(self.payload, path)
        head, _, part = field.partition(".")
        if head in ("subject", "performer"):
            gid = self.subject if head == "subject" else self.performer
            if gid is None:
                return MISSING
            return getattr(GlobalId.parse(gid), part) if part else gid
        return {"action": self.action, "app": self.app, "occurred_at": self.occurred_at}[field]


def payload_value(payload: Any, path: tuple[str, ...] | list[str]) -> Any:
    """The value at ``path``, or :data:`MISSING`. Digit segments index arrays."""
    value = payload
    for segment in path:
        if isinstance(value, dict) and segment in value:
            value = value[segment]
        elif isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
            value = value[int(segment)]
        else:
            return MISSING
    return value


def _lookup(name: str) -> Piece:
    if name in ENTRY_FIELDS:
        return Piece(field=name)
    if name.startswith("payload."):
        path = tuple(name.split(".")[1:])
        if len(path) > MAX_PATH_DEPTH:
            raise PlaceholderError(f"{{{name}}} is deeper than {MAX_PATH_DEPTH} keys")
        bad = [segment for segment in path if not _SEGMENT.match(segment)]
        if bad:
            raise PlaceholderError(f"{{{name}}} has an invalid key {bad[0]!r} (letters, digits, _ and - only)")
        return Piece(field="payload", path=path)
    known = ", ".join(f"{{{field}}}" for field in sorted(ENTRY_FIELDS))
    raise PlaceholderError(f"unknown placeholder {{{name}}}; use one of {known} or {{payload.KEY...}}")


def _name(piece: Piece) -> str:
    return ".".join(("payload", *piece.path)) if piece.field == "payload" else str(piece.field)


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
