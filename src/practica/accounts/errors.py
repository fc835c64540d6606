"""The accounts' refusals: its services raise :class:`AccountError`; the web app answers it (``practica.web.app``)."""

from __future__ import annotations

from practica.errors import PracticaError


class AccountError(PracticaError):
    """A request refused with an HTTP status and a message fit for the person who made it."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status, detail)


WRONG_CREDENTIALS = "Email or password is wrong"
BAD_LINK = "This link is invalid or has expired"
SIGN_IN_FIRST = "Sign in first"
ROLE_REFUSED = "Your role does not allow this"
OWN_ROLE_REFUSED = "You cannot change your own role: ask another admin"
