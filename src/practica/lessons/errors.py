"""The lessons layer's refusals, answered by the web app's one handler (``practica.web.app``)."""

from __future__ import annotations

from practica.errors import PracticaError


class ImportSourceError(PracticaError):
    """422: the path or repository cannot be read, or holds no course; the message says why."""

    def __init__(self, detail: str) -> None:
        super().__init__(422, detail)


class CourseOwnershipError(PracticaError):
    """Someone else's course id: only its owners (and admins) publish versions of it."""
