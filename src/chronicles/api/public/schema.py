"""``POST /graphql``: the public entries search, for viewers holding a token (see :mod:`chronicles.api.tokens`).

A viewer only ever sees entries that carry one of the token's access tags,
through ``entries`` and through ``entry``. Bad arguments are GraphQL errors
that name the field (``filter.payload[0].path[1]: …``); anything unexpected
is masked. No GET, no IDE; the body, the document's size and tokens
(:mod:`chronicles.api.documents`), depth, aliases and cost
(:mod:`chronicles.api.public.limits`) are bounded.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import strawberry
from graphql import DocumentNode, execute
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.execution.middleware import MiddlewareManager
from pydantic import ValidationError
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.await_maybe import await_maybe

from chronicles.api.documents import BoundedGraphQLRouter
from chronicles.api.errors import ChroniclesErrors, Schema, unexpected
from chronicles.api.flat_execution import FlatExecutionContext
from chronicles.api.public.context import Info, public_context
from chronicles.api.public.limits import DEFAULT_FIRST, DocumentChecks
from chronicles.api.public.types import Entry, EntryConnection, EntryFilter, LazyTotal
from chronicles.contract.filters import EntryFilter as FilterContract
from chronicles.contract.filters import first_error
from chronicles.errors import InputError
from chronicles.settings import ChroniclesSettings
from chronicles.store.search import CursorError, Position, SearchRequest, count, entry_by_code, search
from chronicles.store.search_plan import filter_kind

PATH = "/graphql"
CACHED_DOCUMENTS = 256
MAX_BODY_BYTES = 256 * 1024  # a document and its variables (20 payload conditions of up to 8 KiB fit)
MAX_DOCUMENT_CHARACTERS = 64 * 1024
MAX_TOKENS = 2_000  # a search at the depth, alias and cost limits is a few hundred
POST_OPERATIONS = frozenset(OperationType.from_http("POST"))  # what Strawberry's view allows a POST


async def entries(
    info: Info,
    filter: EntryFilter | None = strawberry.UNSET,  # the public argument is called filter
    first: int | None = DEFAULT_FIRST,
    after: str | None = strawberry.UNSET,
) -> EntryConnection:
    request = _search_request(info, filter, first, after)
    context, kind = info.context, filter_kind(request.filter)
    started = time.perf_counter()
    services = context.services
    page = await context.read(lambda conn: search(conn, request, services.search_stats))
    services.metrics.search_latency.labels(kind).observe(time.perf_counter() - started)
    bound = services.settings.chronicles_exact_count_limit
    total = LazyTotal(lambda: context.read(lambda conn: count(conn, request, services.search_stats, bound)))
    return EntryConnection.from_rows(page.rows, page.has_next, total)


async def entry(info: Info, sequence_code: uuid.UUID) -> Entry | None:
    access_tags = info.context.viewer.access_tags
    row = await info.context.read(lambda conn: entry_by_code(conn, sequence_code, access_tags))
    return Entry.from_row(row) if row else None


@strawberry.type
class Query:
    entries: EntryConnection = strawberry.field(
        resolver=entries, description="Entries the viewer may see, newest first; `first` is at most the page size."
    )
    entry: Entry | None = strawberry.field(
        resolver=entry, description="One entry by its sequence code; null when it does not exist or is not visible."
    )


def _search_request(
    info: Info, filter_input: EntryFilter | None, first: int | None, after: str | None
) -> SearchRequest:
    largest = info.context.services.settings.chronicles_max_page_size
    first = DEFAULT_FIRST if first is None else first
    if not 1 <= first <= largest:
        raise InputError.one("first", f"must be between 1 and {largest} (got {first})")
    try:
        document = filter_input.document() if filter_input else {}
        entry_filter = FilterContract.model_validate(document)
    except ValidationError as error:
        raise InputError.one(*first_error(error)) from None
    try:
        position = Position.decode(after) if after else None
    except CursorError as error:
        raise InputError.one("after", str(error)) from None
    return SearchRequest(entry_filter, info.context.viewer.access_tags, first, position)


# How errors are answered (in this order of their ``on_operation`` ends: masked first, then coded).
ERROR_ANSWERS: list[Callable[[], SchemaExtension]] = [
    ChroniclesErrors,
    lambda: MaskErrors(should_mask_error=unexpected),
]


class PublicSchema(Schema):
    """The public schema; :meth:`execute_checked` runs a document known to pass every check without Strawberry's
    per-request extension machinery (a sixth of a search's own CPU), to the same result."""

    def __init__(self, checks: DocumentChecks, **kwargs: Any) -> None:
        super().__init__(execution_context_class=FlatExecutionContext, **kwargs)
        self.checks = checks
        self.checked_runs = 0  # documents run straight on graphql-core (the tests read it)

    async def execute_checked(
        self,
        query: str,
        variable_values: dict[str, Any] | None,
        context_value: Any,
        operation_name: str | None,
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult:
        """``execute`` for a query operation whose document passes every check; Strawberry's ``execute`` for
        any other (which then answers what fails)."""
        document = self.checks.prepared(self._schema, query, operation_name)
        execution = ExecutionContext(
            query=query,
            schema=self,
            allowed_operations=POST_OPERATIONS,
            context=context_value,
            variables=variable_values,
            provided_operation_name=operation_name,
            operation_extensions=operation_extensions,
        )
        if document is None:
            return await self.execute(
                query,
                variable_values=variable_values,
                context_value=context_value,
                operation_name=operation_name,
                allowed_operation_types=POST_OPERATIONS,
                operation_extensions=operation_extensions,
            )
        execution.graphql_document = document
        return await self._run(document, operation_name, execution)

    async def _run(
        self, document: DocumentNode, operation_name: str | None, execution: ExecutionContext
    ) -> ExecutionResult:
        """graphql-core's execution as Strawberry calls it, then its error handling: logged, masked, coded."""
        self.checked_runs += 1
        outcome = await await_maybe(
            execute(
                self._schema,
                document,
                middleware=MiddlewareManager(),
                variable_values=execution.variables,
                operation_name=operation_name,
                context_value=execution.context,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]  # as Strawberry passes it
                executor_class=self.execution_context_class,
                operation_extensions=execution.operation_extensions,
            )
        )
        assert isinstance(outcome, GraphQLExecutionResult)
        execution.result = ExecutionResult(data=outcome.data, errors=outcome.errors)
        if outcome.errors:
            self._process_errors(outcome.errors, execution)
            _answer_errors(execution)
        return execution.result


def _answer_errors(execution: ExecutionContext) -> None:
    """What the error extensions do at the end of an operation, in Strawberry's order (the last one first)."""
    ends = []
    for factory in ERROR_ANSWERS:
        extension = factory()
        extension.execution_context = execution
        hook = extension.on_operation()
        assert isinstance(hook, Iterator)
        next(hook)
        ends.append(hook)
    for hook in reversed(ends):
        next(hook, None)


def schema(max_page_size: int) -> PublicSchema:
    # Clients send the same few documents over and over: parse and validate each once.
    checks = DocumentChecks(
        max_page_size, max_characters=MAX_DOCUMENT_CHARACTERS, max_tokens=MAX_TOKENS, cached=CACHED_DOCUMENTS
    )
    return PublicSchema(checks, query=Query, extensions=[checks.extension, *ERROR_ANSWERS])


def router(settings: ChroniclesSettings) -> BoundedGraphQLRouter:
    return BoundedGraphQLRouter(
        schema(settings.chronicles_max_page_size),
        path=PATH,
        graphql_ide=None,
        allow_queries_via_get=False,
        context_getter=public_context,
        tags=["public"],
    )
