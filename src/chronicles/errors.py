"""Chronicles' errors: one hierarchy, one class per kind of answer a caller gets.

Code anywhere in Chronicles raises these and knows nothing of HTTP or
GraphQL; :mod:`chronicles.api.errors` maps each class, in one table, to an
HTTP status, a GraphQL error code, or the ``errors`` of a mutation's payload.
The message is the caller's to read, so it never holds a secret or a path.

Other exceptions never reach an answer as such: a token's reason for being
refused is logged and the caller gets an :class:`UnauthenticatedError`; a
key that is too short stops the service or the command; anything else is a
bug (500, or a masked GraphQL error).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError


class ChroniclesError(Exception):
    """A request Chronicles refuses; nothing was stored or changed."""


@dataclass(frozen=True)
class FieldError:
    """One problem with one field; ``path`` is the field's location (``("match", "actions", 1)``)."""

    path: tuple[str | int, ...]
    message: str

    @property
    def field(self) -> str:
        return dotted(self.path)

    def under(self, *prefix: str | int) -> FieldError:
        return FieldError((*prefix, *self.path), self.message)


class InputError(ChroniclesError, ValueError):
    """A rule, template, argument or value that cannot be accepted, naming the field at fault."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{error.field}: {error.message}" for error in self.errors))

    @classmethod
    def one(cls, field: str, message: str) -> InputError:
        return cls([FieldError((field,), message)])

    def under(self, *prefix: str | int) -> InputError:
        return InputError([error.under(*prefix) for error in self.errors])


class BadRequestError(ChroniclesError, ValueError):
    """A request that cannot be read as a whole (not JSON, an unclosed array); the message says where."""


class TooLargeError(BadRequestError):
    """More than one request may carry."""


class UnauthenticatedError(ChroniclesError):
    """No valid token; the message says which kind is needed, never what was wrong with the one sent."""


class ForbiddenError(ChroniclesError):
    """A valid token that does not allow this request."""


class UnavailableError(ChroniclesError):
    """A part of the service that is switched off by configuration."""


class ReplicaUnavailableError(UnavailableError):
    """The read replica searches go to cannot be reached; searches fail rather than load the primary."""


class RulesBusyError(ChroniclesError):
    """The tag rules could not be locked in time (a long ingest or backfill transaction holds them)."""


class SearchTimeoutError(ChroniclesError):
    """A search that ran out of time; a narrower filter may not."""


def from_validation(error: ValidationError) -> InputError:
    """Pydantic's errors, one per field, without pydantic's ``Value error,`` noise."""
    return InputError([FieldError(tuple(item["loc"]), _message(item["msg"])) for item in error.errors()])


def dotted(path: Iterable[str | int]) -> str:
    """``("match", "actions", 1)`` → ``match.actions[1]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _message(message: str) -> str:
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
