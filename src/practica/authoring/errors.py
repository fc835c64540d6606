"""The authoring services' refusal: an HTTP status and a sentence for the author."""

from __future__ import annotations

from practica.errors import PracticaError


class DraftError(PracticaError):
    """A refusal of an authoring step (a draft, an import, a publication)."""
