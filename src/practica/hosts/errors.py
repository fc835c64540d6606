"""The error of an eval host's engine that could not be reached or used, whichever way it is reached."""

from __future__ import annotations

from practica.errors import PracticaError


class EngineError(PracticaError):
    """An eval host's engine could not be reached or used; the sentence says which part failed."""

    def __init__(self, detail: str) -> None:
        super().__init__(502, detail)
