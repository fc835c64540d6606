"""The one exception the accounts' services raise for a refused request; routes turn it into JSON."""

from __future__ import annotations


class AccountError(Exception):
    """A request refused with an HTTP status and a message fit for the person who made it."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


WRONG_CREDENTIALS = "Email or password is wrong"
BAD_LINK = "This link is invalid or has expired"
