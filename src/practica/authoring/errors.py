"""The authoring services' refusals: an HTTP status and a sentence for the author (and, for format errors, every
problem), answered by the web app's one handler (``practica.web.app``)."""

from __future__ import annotations

from practica.errors import PracticaError
from practica.lessons.loading import LessonFormatError


class DraftError(PracticaError):
    """A refusal of an authoring step (a draft, an import, a publication)."""


class ImportRefusedError(DraftError):
    """422: what an import was given cannot be a course: the archive, the git URL, the course's layout."""

    def __init__(self, detail: str) -> None:
        super().__init__(422, detail)


class SourceRefusedError(ImportRefusedError):
    """422: a git URL the web app does not clone; the message says which are accepted."""


class CourseFormatError(DraftError):
    """422 naming every format problem of an uploaded course's files (file, line, field); nothing was stored."""

    def __init__(self, error: LessonFormatError) -> None:
        problems = [
            {"file": problem.file, "line": problem.line, "field": problem.field, "message": problem.message}
            for problem in error.problems
        ]
        detail = f"the course has {len(problems)} problem(s); nothing was stored: " + "; ".join(
            map(str, error.problems)
        )
        super().__init__(422, detail, extra={"problems": problems})
