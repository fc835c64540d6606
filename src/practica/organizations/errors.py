"""The organisations' refusals, answered by the web app's one handler (``practica.web.app``)."""

from __future__ import annotations

from practica.errors import PracticaError


class OrganizationError(PracticaError):
    """A refused organisation request: missing (404), not allowed (403), a taken slug or the last admin (409)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status, detail)


NOT_FOUND = "No such organization"
BAD_INVITATION = "This invitation is invalid or has expired"
