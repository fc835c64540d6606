"""What one public GraphQL request may cost, checked before anything runs.

- depth (Strawberry's ``QueryDepthLimiter``) and aliases (``MaxAliasesLimiter``);
- cost: each ``entries`` field costs ``SEARCH_COST + first`` (a variable
  ``first`` counts as the largest page), plus the max page size when it asks
  for ``totalCount``/``totalCountIsEstimate`` (a count reads up to the exact
  count limit of entries), each ``entry`` costs 1; a request may spend
  ``2 * (SEARCH_COST + max page size)``: two full pages, several small ones,
  or one count;
- introspection, which the depth limiter skips, is bounded by graphql-core's
  own ``MaxIntrospectionDepthRule`` (``types { fields { type { fields … } } }``
  is refused).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from cachetools import LRUCache
from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    parse,
    specified_rules,
)
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.schema.schema import validate_document

from chronicles.api.documents import TOO_LARGE

MAX_DEPTH = 6
MAX_ALIASES = 10
SEARCH_COST = 10
TOTAL_FIELDS = frozenset({"totalCount", "totalCountIsEstimate"})
DEFAULT_FIRST = 25
Rules = tuple[type[ASTValidationRule], ...]
STRAWBERRY_RULES: Rules = tuple(specified_rules)  # what Strawberry validates with before extensions add theirs


class DocumentChecks:
    """Everything a document goes through before it runs, in this order: its size in characters, parsing
    (tokens capped), validation with the depth, alias and cost rules; parsed and validated documents are kept
    (``cached`` of each, least recently used dropped).

    :meth:`extension` is one extension factory, not four (the size limit,
    Strawberry's ``ParserCache``, ``ValidationCache`` and
    ``AddValidationRules``): Strawberry makes every extension anew per request
    and runs each one's hooks, a cost every search paid. The same rule classes
    every time matter: validations are kept by rules (``QueryDepthLimiter``
    and ``MaxAliasesLimiter`` make a new class per instance) and by the parsed
    document's identity (the parser's cache hands out one object per text; a
    document's own hash walks its whole tree, on every lookup).
    """

    def __init__(self, max_page_size: int, *, max_characters: int, max_tokens: int, cached: int) -> None:
        self.max_characters, self.max_tokens = max_characters, max_tokens
        self.rules: Rules = (
            *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
            *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
            _cost_rule(max_page_size, 2 * (SEARCH_COST + max_page_size)),
        )
        self.parse = lru_cache(maxsize=cached)(parse)
        self._validations: LRUCache[tuple[int, Rules], tuple[DocumentNode, list[GraphQLError]]] = LRUCache(cached)

    def validated(self, schema: GraphQLSchema, document: DocumentNode, rules: Rules) -> list[GraphQLError]:
        found = self._validations.get((id(document), rules))
        if found is None or found[0] is not document:
            found = (document, validate_document(schema, document, rules))
            self._validations[(id(document), rules)] = found
        return found[1]

    def prepared(self, schema: GraphQLSchema, query: str, operation_name: str | None) -> DocumentNode | None:
        """The parsed document when ``query`` passes every check and names one query operation; else None
        (the caller then lets Strawberry run the checks and answer what fails them)."""
        if len(query) > self.max_characters:
            return None
        try:
            document = self.parse(query, max_tokens=self.max_tokens)  # the very call the extension makes
        except GraphQLError:
            return None
        operations = [node for node in document.definitions if isinstance(node, OperationDefinitionNode)]
        if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
            return None
        name = operations[0].name
        if operation_name is not None and (name is None or name.value != operation_name):
            return None
        return None if self.validated(schema, document, STRAWBERRY_RULES + self.rules) else document

    def extension(self) -> SchemaExtension:
        """A fresh extension (a factory for Strawberry, which wants one per request)."""
        return _CheckedDocuments(self)


class _CheckedDocuments(SchemaExtension):
    def __init__(self, checks: DocumentChecks) -> None:
        self.checks = checks

    def on_operation(self) -> Iterator[None]:
        context, checks = self.execution_context, self.checks
        query = context.query or ""
        if len(query) > checks.max_characters:
            message = f"the document is {len(query)} characters; at most {checks.max_characters} are allowed"
            raise GraphQLError(message, extensions={"code": TOO_LARGE})
        context.parse_options["max_tokens"] = checks.max_tokens
        context.validation_rules = context.validation_rules + checks.rules
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.graphql_document = self.checks.parse(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        schema = context.schema._schema
        context.pre_execution_errors = self.checks.validated(schema, context.graphql_document, context.validation_rules)
        yield


def _cost_rule(max_page_size: int, budget: int) -> type[ValidationRule]:
    class CostRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
            fields = _fields(node.selection_set, self.context)
            cost = sum(_field_cost(field, max_page_size, self.context) for field in fields)
            if cost > budget:
                message = f"this request costs {cost}; at most {budget} is allowed (each entries field costs "
                message += f"{SEARCH_COST} + first, and {max_page_size} more with totalCount): ask for fewer or smaller"
                message += " pages"
                self.report_error(GraphQLError(message, node, extensions={"code": "QUERY_TOO_COSTLY"}))

    return CostRule


def _field_cost(field: FieldNode, max_page_size: int, context: ValidationContext) -> int:
    if field.name.value == "entry":
        return 1
    if field.name.value != "entries":
        return 0
    counted = any(sub.name.value in TOTAL_FIELDS for sub in _fields(field.selection_set, context))
    return _page_cost(field, max_page_size) + (max_page_size if counted else 0)


def _page_cost(field: FieldNode, max_page_size: int) -> int:
    first = next((argument.value for argument in field.arguments or () if argument.name.value == "first"), None)
    if first is None:
        return SEARCH_COST + DEFAULT_FIRST
    if isinstance(first, IntValueNode):
        return SEARCH_COST + max(0, int(first.value))
    return SEARCH_COST + max_page_size  # a variable (or null): the largest it may be


def _fields(selection_set: SelectionSetNode | None, context: ValidationContext) -> Iterator[FieldNode]:
    """The fields of a selection set, through fragments (each fragment once, so cycles end)."""
    pending, seen = [selection_set], set()
    while pending:
        current = pending.pop()
        for selection in current.selections if current else ():
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                seen.add(selection.name.value)
                fragment: FragmentDefinitionNode | None = context.get_fragment(selection.name.value)
                pending.append(fragment.selection_set if fragment else None)
