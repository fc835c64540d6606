"""What a GraphQL request may be before anything parses it: its size, its tokens, JSON that decodes.

The body is capped while it streams in (``chronicles.app``); here the
document itself is capped in characters and in tokens (graphql-core stops
parsing at the limit), so a megabyte of aliases is refused in microseconds
instead of being parsed and validated for seconds. A body whose JSON the
decoder cannot follow (nested thousands deep) is a 400 like any other bad
JSON, not a 500.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.fastapi import GraphQLRouter

TOO_LARGE = "DOCUMENT_TOO_LARGE"


def document_limits(max_characters: int, max_tokens: int) -> Callable[[], SchemaExtension]:
    """An extension factory (put it first: it must act before the parser and its cache)."""

    class DocumentLimits(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            query = self.execution_context.query or ""
            if len(query) > max_characters:
                message = f"the document is {len(query)} characters; at most {max_characters} are allowed"
                raise GraphQLError(message, extensions={"code": TOO_LARGE})
            self.execution_context.parse_options["max_tokens"] = max_tokens
            yield

    return DocumentLimits


class BoundedGraphQLRouter(GraphQLRouter[object, None]):
    """Strawberry's FastAPI router, with any failure to decode the body's JSON answered as a 400."""

    def decode_json(self, data: str | bytes) -> object:
        try:
            return json.loads(data)
        except json.JSONDecodeError:
            raise
        except Exception as error:  # nested deeper than the decoder follows, a number too long to convert
            raise json.JSONDecodeError(f"unreadable JSON ({type(error).__name__})", "", 0) from None
