"""The learning API's refusals, answered by the web app's one handler (``practica.web.app``)."""

from __future__ import annotations

from practica.errors import PracticaError

NO_ENVIRONMENT = "no environment for this lesson yet: open the lesson first"


class LearningError(PracticaError):
    """A learner's request refused: its HTTP status and a sentence for the learner."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status, detail)


class NotVisibleError(LearningError):
    """404: no such course or lesson for this learner (private courses answer the same as missing ones)."""

    def __init__(self, detail: str) -> None:
        super().__init__(404, detail)


class ActivityCursorError(LearningError):
    """422: the ``after`` cursor is not one a page of this feed gave (the caller's mistake, not Chronicles')."""

    def __init__(self, detail: str) -> None:
        super().__init__(422, detail)


class ActivityUnavailableError(LearningError):
    """503: Chronicles did not answer, or refused the query; the message says which."""

    def __init__(self, detail: str) -> None:
        super().__init__(503, detail)
