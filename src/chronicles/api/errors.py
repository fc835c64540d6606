"""How Chronicles' errors reach callers, in one place: HTTP statuses, GraphQL errors, mutation payloads.

Each class of :mod:`chronicles.errors` has one row in :data:`ANSWERS`: its
HTTP status (and headers) and its GraphQL error code. Routes, dependencies
and resolvers only raise; then

- over HTTP (the intake, the GraphQL routes' token checks) the answer is
  ``{"detail": message}`` with the row's status (:func:`install`);
- in a GraphQL query it is an error with ``extensions.code`` (and
  ``extensions.field``, the GraphQL name of the field at fault, for an
  :class:`~chronicles.errors.InputError`) (:class:`ChroniclesErrors`);
- in a mutation of the internal API it is the payload's ``errors``,
  ``[{field, message}]``, and nothing was changed (:func:`mutation`).

Anything else a resolver raises is a bug: logged, and masked where the
schema masks errors (:func:`unexpected`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import strawberry
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from graphql import GraphQLError
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.types import ExecutionContext, Info
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from chronicles.errors import (
    BadRequestError,
    ChroniclesError,
    ForbiddenError,
    InputError,
    RulesBusyError,
    SearchTimeoutError,
    TooLargeError,
    UnauthenticatedError,
    UnavailableError,
)


@dataclass(frozen=True)
class Answer:
    status: int
    code: str
    headers: Mapping[str, str] = field(default_factory=dict)


CHALLENGE = {"WWW-Authenticate": "Bearer"}
# The most specific class of an error that has a row decides (TooLargeError before BadRequestError).
ANSWERS: dict[type[ChroniclesError], Answer] = {
    InputError: Answer(422, "BAD_USER_INPUT"),
    TooLargeError: Answer(413, "TOO_LARGE"),
    BadRequestError: Answer(400, "BAD_REQUEST"),
    UnauthenticatedError: Answer(401, "UNAUTHENTICATED", CHALLENGE),
    ForbiddenError: Answer(403, "FORBIDDEN"),
    UnavailableError: Answer(503, "UNAVAILABLE"),
    RulesBusyError: Answer(503, "BUSY"),
    SearchTimeoutError: Answer(503, "TIMEOUT"),
    ChroniclesError: Answer(400, "BAD_REQUEST"),
}


def answer(error: ChroniclesError) -> Answer:
    return next(ANSWERS[kind] for kind in type(error).__mro__ if kind in ANSWERS)


def install(app: FastAPI) -> None:
    """Answer every ChroniclesError a route or dependency raises with its row's status."""
    app.add_exception_handler(ChroniclesError, _http_answer)


async def _http_answer(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ChroniclesError)
    found = answer(error)
    return JSONResponse({"detail": str(error)}, found.status, headers=dict(found.headers) or None)


@strawberry.type
class FieldError:
    field: str | None = strawberry.field(description="The field at fault, e.g. `match.actions[0]` or `text`.")
    message: str


def payload_errors(error: ChroniclesError) -> list[FieldError]:
    """A mutation's ``errors``: each field at fault by its GraphQL name (``subject_types`` → ``subjectTypes``)."""
    if isinstance(error, InputError):
        return [FieldError(field=graphql_name(item.field), message=item.message) for item in error.errors]
    return [FieldError(field=None, message=str(error))]


class _ErrorsInPayload(FieldExtension):
    def apply(self, field: StrawberryField) -> None:
        self.payload: Callable[..., Any] = field.type  # type: ignore[assignment]

    async def resolve_async(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except ChroniclesError as error:
            return self.payload(errors=payload_errors(error))


def mutation(resolver: Callable[..., Any]) -> Any:
    """A mutation field whose ChroniclesErrors are answered in its payload's ``errors``."""
    return strawberry.mutation(resolver=resolver, extensions=[_ErrorsInPayload()])


class ChroniclesErrors(SchemaExtension):
    """A ChroniclesError a resolver raised, as a GraphQL error carrying its code (and field)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [_coded(error) for error in result.errors]


def _coded(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if not isinstance(original, ChroniclesError):
        return error
    extensions: dict[str, Any] = {"code": answer(original).code}
    message = str(original)
    if isinstance(original, InputError):
        fields = [(graphql_name(item.field), item.message) for item in original.errors]
        extensions["field"] = fields[0][0]
        message = "; ".join(f"{name}: {text}" for name, text in fields)
    return GraphQLError(message, error.nodes, error.source, error.positions, error.path, original, extensions)


def unexpected(error: GraphQLError) -> bool:
    """An error on our side (a bug, the database): not a GraphQL error nor a ChroniclesError."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError | ChroniclesError)


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log what went wrong on our side; a client's bad request is the client's to read."""
        ours = [error for error in errors if unexpected(error)]
        if ours:
            super().process_errors(ours, execution_context)


def graphql_name(field: str) -> str:
    """``match.subject_types[0]`` → ``match.subjectTypes[0]``."""
    return ".".join(to_camel_case(part) for part in field.split("."))
