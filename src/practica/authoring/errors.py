"""The authoring services' refusal: an HTTP status and a sentence for the author."""

from __future__ import annotations


class DraftError(Exception):
    """A refusal with its HTTP status and a sentence for the author (and, in ``extra``, fields of the answer)."""

    def __init__(self, status: int, detail: str, extra: dict[str, object] | None = None) -> None:
        self.status = status
        self.detail = detail
        self.extra = extra or {}
        super().__init__(detail)
