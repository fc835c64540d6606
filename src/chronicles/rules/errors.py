"""Errors that name the field at fault, shared by the service layer, ``chronicles apply`` and the API."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError


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


class InputError(ValueError):
    """A rule, template or request that cannot be accepted; nothing was changed."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{error.field}: {error.message}" for error in self.errors))

    @classmethod
    def one(cls, field: str, message: str) -> InputError:
        return cls([FieldError((field,), message)])

    def under(self, *prefix: str | int) -> InputError:
        return InputError([error.under(*prefix) for error in self.errors])


class RulesBusyError(RuntimeError):
    """The tag rules could not be locked in time (a long ingest or backfill transaction holds them)."""


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
