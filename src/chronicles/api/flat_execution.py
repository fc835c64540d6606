"""Completing plain objects in one pass: the GraphQL execution a page of entries spends most of its time in.

graphql-core completes every field of every object on its own: a resolve
info object, a resolver call, a completion call per field, so a page of 25
entries with ten fields each is about 300 such rounds, 1–2 ms of CPU, several
times the database's work. Most of those fields are plain attributes (no
resolver, no arguments) of scalars, lists of scalars and other such objects.

:class:`FlatExecutionContext` compiles, once per selection of each object
type in a request, the list of (response key, attribute reader, completion)
and completes such objects with it in a tight loop. Anything else (a field
with a resolver such as ``text``, an abstract type, ``@defer``, middleware)
takes graphql-core's own path, and so does any object whose values are not as
expected (a null in a non-null field, a failing read, a scalar that does not
coerce): the fast path gives up on the object it started from and graphql-core
completes it again, producing its usual errors with their paths. The answer is
the same either way (a test compares them).
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from graphql import (
    FieldNode,
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
    Node,
    OperationDefinitionNode,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetails, FragmentDetails
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

Complete = Callable[[Any], Any]
MAX_LASTING_PLANS = 1024  # (type, selection) plans kept across requests; all dropped when full
_LASTING_PLANS: dict[tuple[GraphQLObjectType, tuple[int, ...]], tuple[tuple[FieldNode, ...], Complete | None]] = {}
_LASTING_DOCUMENTS: dict[int, tuple[OperationDefinitionNode, bool]] = {}
# The request's count of objects completed the fast way (plans are shared by requests, their counts are not).
_COMPLETED: ContextVar[list[int]] = ContextVar("flat_objects_completed")
# Scalars whose output coercion returns a value of this exact type as it is (the type checks are the fast path).
_UNCHANGED: dict[GraphQLLeafType, type] = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}
FieldDetailsList = list[FieldDetails]


class NotFlatError(Exception):
    """A value the fast path does not complete; graphql-core completes the object again."""


class FlatExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, completing objects made only of plain fields in one pass."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, Complete | None]] = {}
        self._completed = [0]
        _COMPLETED.set(self._completed)
        self._lasting = _without_directives(self.operation, self.fragments)

    @property
    def flat_objects(self) -> int:
        """Objects completed by the fast path in this request (the tests read it)."""
        return self._completed[0]

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        plan = None if self._wraps_resolvers() else self._plan(return_type, field_details_list)
        if plan is not None:
            with contextlib.suppress(Exception):  # any surprise: graphql-core completes it again and reports it
                return plan(result)
        return super().complete_object_value(return_type, field_details_list, info, path, result, position_context)

    def _wraps_resolvers(self) -> bool:
        """Whether a middleware (an extension implementing ``resolve``) must see every field."""
        manager = self.middleware_manager
        return manager is not None and bool(getattr(manager, "_middleware_resolvers", True))

    def _plan(self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Complete | None:
        """The completion of ``object_type`` under this selection, or None when it is not made of plain fields."""
        key = (object_type, id(field_details_list))
        cached = self._plans.get(key)
        if cached is None:
            # The list is kept with its plan so that its id cannot be reused while the request runs.
            cached = (field_details_list, self._lasting_plan(object_type, field_details_list))
            self._plans[key] = cached
        return cached[1]

    def _lasting_plan(self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Complete | None:
        """The plan from earlier requests of the same document, when its selections cannot vary between requests.

        A document without directives selects the same fields whatever the
        variables, so a plan depends only on the type and the field nodes of
        the (cached, so identical) parsed document; the nodes are kept with
        the plan so that their ids cannot be reused.
        """
        if not self._lasting:
            return self._compile_object(object_type, field_details_list)
        nodes = tuple(details.node for details in field_details_list)
        key = (object_type, tuple(map(id, nodes)))
        found = _LASTING_PLANS.get(key)
        if found is None:
            if len(_LASTING_PLANS) >= MAX_LASTING_PLANS:
                _LASTING_PLANS.clear()
            found = (nodes, self._compile_object(object_type, field_details_list))
            _LASTING_PLANS[key] = found
        return found[1]

    def _compile_object(self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Complete | None:
        if object_type.is_type_of is not None:
            return None
        grouped, defers, _forbidden = self.collect_subfields(object_type, field_details_list)
        if defers:
            return None
        readers: list[tuple[str, Callable[..., Any] | None, Any]] = []
        for response_key, sub_fields in grouped.items():
            name = sub_fields[0].node.name.value
            if name == "__typename":
                readers.append((response_key, None, object_type.name))
                continue
            field = object_type.fields.get(name)
            if field is None or field.args or not getattr(field.resolve, "_is_default", False):
                return None
            complete = self._compile_value(field.type, sub_fields)
            if complete is None:
                return None
            readers.append((response_key, _reader(field), complete))
        return _object_completion(readers)

    def _compile_value(self, return_type: GraphQLOutputType, sub_fields: FieldDetailsList) -> Complete | None:
        if isinstance(return_type, GraphQLNonNull):
            if is_leaf_type(return_type.of_type):
                return _non_null_leaf(return_type.of_type)
            inner = self._compile_value(return_type.of_type, sub_fields)
            return None if inner is None else _non_null(inner)
        if isinstance(return_type, GraphQLList):
            item = self._compile_value(return_type.of_type, sub_fields)
            return None if item is None else _list(item)
        if is_leaf_type(return_type):
            return _leaf(return_type)
        if isinstance(return_type, GraphQLObjectType):
            nested = self._plan(return_type, sub_fields)
            return None if nested is None else _nullable(nested)
        return None  # interfaces and unions


def _object_completion(readers: list[tuple[str, Callable[..., Any] | None, Any]]) -> Complete:
    def complete(source: Any) -> dict[str, Any]:
        if isinstance(source, Exception):
            raise NotFlatError
        completed: dict[str, Any] = {}
        for response_key, read, value in readers:
            completed[response_key] = value if read is None else value(read(source))
        _COMPLETED.get()[0] += 1
        return completed

    return complete


def _reader(field: GraphQLField) -> Callable[[Any], Any]:
    """How to read a plain field: the attribute itself when Strawberry would read it with getattr."""
    definition = (field.extensions or {}).get("strawberry-definition")
    if isinstance(definition, StrawberryField) and definition.default_resolver is getattr:
        return operator.attrgetter(definition.python_name)
    resolve = field.resolve
    assert resolve is not None
    return lambda source: resolve(source, None)


def _non_null(inner: Complete) -> Complete:
    def complete(value: Any) -> Any:
        completed = inner(value)
        if completed is None:
            raise NotFlatError
        return completed

    return complete


def _nullable(inner: Complete) -> Complete:
    def complete(value: Any) -> Any:
        return None if value is None or value is Undefined else inner(value)

    return complete


def _list(item: Complete) -> Complete:
    def complete(value: Any) -> Any:
        if value is None or value is Undefined:
            return None
        if not isinstance(value, list | tuple):
            raise NotFlatError
        return [item(element) for element in value]

    return complete


def _leaf(leaf_type: GraphQLLeafType) -> Complete:
    coerce = leaf_type.coerce_output_value
    unchanged = _UNCHANGED.get(leaf_type)

    def complete(value: Any) -> Any:
        if type(value) is unchanged:
            return value
        if value is None or value is Undefined:
            return None
        if isinstance(value, Exception):
            raise NotFlatError
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise NotFlatError
        return coerced

    return complete


def _non_null_leaf(leaf_type: GraphQLLeafType) -> Complete:
    """``_non_null(_leaf(leaf_type))`` in one call: most fields of a page are non-null strings."""
    leaf = _leaf(leaf_type)
    unchanged = _UNCHANGED.get(leaf_type)

    def complete(value: Any) -> Any:
        if type(value) is unchanged:
            return value
        completed = leaf(value)
        if completed is None:
            raise NotFlatError
        return completed

    return complete


def _without_directives(operation: OperationDefinitionNode, fragments: dict[str, FragmentDetails]) -> bool:
    """Whether no selection of the operation (fragments included) carries a directive, and no fragment takes
    arguments; cached per parsed operation."""
    found = _LASTING_DOCUMENTS.get(id(operation))
    if found is not None and found[0] is operation:
        return found[1]
    pending: list[Node] = [
        operation.selection_set,
        *(fragment.definition.selection_set for fragment in fragments.values()),
    ]
    plain = all(fragment.variable_signatures is None for fragment in fragments.values())
    while pending and plain:
        selection_set = pending.pop()
        for selection in getattr(selection_set, "selections", None) or ():
            plain = plain and not selection.directives
            if getattr(selection, "selection_set", None) is not None:
                pending.append(selection.selection_set)
    if len(_LASTING_DOCUMENTS) >= MAX_LASTING_PLANS:
        _LASTING_DOCUMENTS.clear()
    _LASTING_DOCUMENTS[id(operation)] = (operation, plain)
    return plain
