"""The one refusal every Practica domain raises: an HTTP status and a sentence for the person who asked.

Domains raise :class:`PracticaError` (or a subclass naming the domain, such as the authoring's
``DraftError``); the web app maps it to ``{"detail": ..., **extra}`` with its status in one place
(``practica.web.app``), so routes hold no try/except for it.
"""

from __future__ import annotations


class PracticaError(Exception):
    """A refusal with its HTTP status and a sentence for the user (and, in ``extra``, fields of the answer)."""

    def __init__(self, status: int, detail: str, extra: dict[str, object] | None = None) -> None:
        self.status = status
        self.detail = detail
        self.extra = extra or {}
        super().__init__(detail)
