"""The one refusal every Practica domain raises: an HTTP status and a sentence for the person who asked.

Each domain raises its own subclasses of :class:`PracticaError` from its services (the accounts'
``AccountError``, the admin's ``JobStateError``, the learning's ``NotVisibleError``, the authoring's
``DraftError`` …); the web app maps every one of them to ``{"detail": ..., **extra}`` with its status and
headers in one place (``practica.web.app``), so routes hold no try/except and build no error answers.
"""

from __future__ import annotations

from collections.abc import Mapping


class PracticaError(Exception):
    """A refusal with its HTTP status, a sentence for the user, fields of the answer (``extra``) and its headers."""

    def __init__(
        self,
        status: int,
        detail: str,
        extra: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.detail = detail
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})
        super().__init__(detail)


class RetryLaterError(PracticaError):
    """429: too many requests; ``retry_after`` seconds are in the answer's ``retry_after`` and its Retry-After."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(429, detail, extra={"retry_after": retry_after}, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after
