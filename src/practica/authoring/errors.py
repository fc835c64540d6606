"""The authoring services' refusal: an HTTP status and a sentence for the author."""

from __future__ import annotations


class DraftError(Exception):
    """A refusal with its HTTP status and a sentence for the author."""

    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        self.detail = detail
        super().__init__(detail)
