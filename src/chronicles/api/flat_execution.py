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
from typing import Any

from graphql import (
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
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetails
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

Complete = Callable[[Any], Any]
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
        self.flat_objects = 0  # objects completed by the fast path (the tests read it)

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
            cached = (field_details_list, self._compile_object(object_type, field_details_list))
            self._plans[key] = cached
        return cached[1]

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
        return _object_completion(readers, self)

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


def _object_completion(
    readers: list[tuple[str, Callable[..., Any] | None, Any]], context: FlatExecutionContext
) -> Complete:
    def complete(source: Any) -> dict[str, Any]:
        if isinstance(source, Exception):
            raise NotFlatError
        completed: dict[str, Any] = {}
        for response_key, read, value in readers:
            completed[response_key] = value if read is None else value(read(source))
        context.flat_objects += 1
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
