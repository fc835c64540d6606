"""Page cursors: an opaque base64 form of the last row's ``(occurred_at, id)``.

A cursor needs no signature: it only says where to continue, and every page
is filtered by the viewer's access tags again, so a forged one reveals nothing.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"(-?[0-9]{1,18}):([0-9]{1,19})")
_NOT_OURS = "not a cursor given out by this API"


class CursorError(ValueError):
    """An ``after`` value that is not a cursor this service gave out."""


@dataclass(frozen=True)
class Position:
    """A row's place in the newest-first order: ``(occurred_at DESC, id DESC)``."""

    occurred_at: datetime
    id: int

    def encode(self) -> str:
        micros = (self.occurred_at - _EPOCH) // timedelta(microseconds=1)
        return base64.urlsafe_b64encode(f"{micros}:{self.id}".encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Position:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            text = base64.b64decode(padded, altchars=b"-_", validate=True).decode("ascii")
        except (binascii.Error, ValueError):
            raise CursorError(_NOT_OURS) from None
        match = _CURSOR.fullmatch(text)
        if match is None or int(match[2]) >= 2**63:
            raise CursorError(_NOT_OURS)
        try:
            return cls(_EPOCH + timedelta(microseconds=int(match[1])), int(match[2]))
        except OverflowError:
            raise CursorError(_NOT_OURS) from None
