"""The admin pages' refusals, answered by the web app's one handler (``practica.web.app``)."""

from __future__ import annotations

from practica.errors import PracticaError


class AdminError(PracticaError):
    """A refused admin action or query: a missing job or environment (404), one in the wrong state (409)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status, detail)


class JobStateError(AdminError):
    """The job is missing (404) or not in a state the action applies to (409)."""
