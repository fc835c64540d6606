"""Payload conditions compiled to SQL with exactly the meaning of :mod:`chronicles.rules.conditions`.

``found`` below is ``payload #> path`` (the path a bound ``text[]``): SQL NULL
when the path leads nowhere (Python's ``MISSING``), the JSON value otherwise
(JSON null included). Two differences between ``#>`` and Python's lookup are
closed here:

- ``#>`` reads a segment such as ``-1`` or ``-0`` as an index from the end of
  an array; Python only ever treats such a segment as an object key. The value
  is therefore only taken when the container before such a segment is an object.
- ``jsonb`` orders strings by the database collation; Python by code point. String
  comparisons use ``COLLATE "C"`` (UTF-8 byte order is code-point order).

Numbers are compared as ``jsonb`` numerics (exact decimals of the JSON text,
never through ``float8``), so ``1`` equals ``1.0`` as in Python.

EQ, IN and most CONTAINS conditions also carry a containment test
``payload @> {"a": {"b": value}}`` that the GIN ``jsonb_path_ops`` index can
answer; it is a necessary condition only, always followed by the exact test.
It is left out when a path segment is all digits (it may index an array, which
a containment document cannot say) or when the value has no scalar to index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from chronicles.contract.conditions import ORDERING, PayloadCondition, PayloadOperation
from chronicles.store.sql_params import Params, join

_DIGITS = re.compile(r"^-?[0-9]+$")
_NEGATIVE = re.compile(r"^-[0-9]+$")
_SIGNS = {
    PayloadOperation.GT: sql.SQL(">"),
    PayloadOperation.GTE: sql.SQL(">="),
    PayloadOperation.LT: sql.SQL("<"),
    PayloadOperation.LTE: sql.SQL("<="),
}


@dataclass(frozen=True)
class CompiledCondition:
    sql: sql.Composable
    indexable: bool  # carries a containment test the GIN index can answer


def compile_condition(condition: PayloadCondition, params: Params) -> CompiledCondition:
    found = _found(condition.path, params)
    operation, value = condition.operation, condition.value
    if operation is PayloadOperation.EXISTS:
        return CompiledCondition(sql.SQL("{} IS NOT NULL").format(found), indexable=False)
    if operation is PayloadOperation.NOT_EQ:
        exact = sql.SQL("{} IS DISTINCT FROM {}").format(found, params.bind(Jsonb(value), "::jsonb"))
        return CompiledCondition(exact, indexable=False)
    if operation is PayloadOperation.EQ:
        exact = sql.SQL("{} = {}").format(found, params.bind(Jsonb(value), "::jsonb"))
        return _with_containment(exact, condition.path, [value], params)
    if operation is PayloadOperation.IN:
        exact = sql.SQL("{} = ANY({})").format(found, params.bind([Jsonb(item) for item in value], "::jsonb[]"))
        return _with_containment(exact, condition.path, list(value), params)
    if operation is PayloadOperation.CONTAINS:
        test, leaves = _contains(found, value, params)
        return _with_containment(test, condition.path, leaves, params)
    assert operation in ORDERING
    return CompiledCondition(_compare(found, _SIGNS[operation], value, params), indexable=False)


def _found(path: list[str], params: Params) -> sql.Composable:
    value = sql.SQL("(e.payload #> {})").format(params.bind(list(path), "::text[]"))
    guards: list[sql.Composable] = [
        sql.SQL("jsonb_typeof(e.payload #> {}) = 'object'").format(params.bind(list(path[:index]), "::text[]"))
        for index, segment in enumerate(path)
        if _NEGATIVE.match(segment)
    ]
    if not guards:
        return value
    return sql.SQL("(CASE WHEN {} THEN {} END)").format(join(guards), value)


def _contains(found: sql.Composable, value: Any, params: Params) -> tuple[sql.Composable, list[Any]]:
    """The exact CONTAINS test, and the values a containment document may hold at the path."""

    def holds(kind: sql.SQL, test: sql.Composable) -> sql.Composable:
        return sql.SQL("(jsonb_typeof({found}) = {kind} AND {test})").format(found=found, kind=kind, test=test)

    def in_array(wanted: list[Any]) -> sql.Composable:
        return holds(sql.SQL("'array'"), sql.SQL("{} @> {}").format(found, params.bind(Jsonb(wanted), "::jsonb")))

    if isinstance(value, list):
        return in_array(value), [value]
    if isinstance(value, dict):
        in_object = holds(sql.SQL("'object'"), sql.SQL("{} @> {}").format(found, params.bind(Jsonb(value), "::jsonb")))
        return sql.SQL("({} OR {})").format(in_object, in_array([value])), [value, [value]]
    if isinstance(value, str):
        substring = sql.SQL("strpos({} #>> '{{}}', {}) > 0").format(found, params.bind(value))
        return sql.SQL("({} OR {})").format(holds(sql.SQL("'string'"), substring), in_array([value])), []
    return in_array([value]), [[value]]


def _compare(found: sql.Composable, sign: sql.SQL, value: Any, params: Params) -> sql.Composable:
    if isinstance(value, str):
        test = "(jsonb_typeof({found}) = 'string' AND ({found} #>> '{{}}') COLLATE \"C\" {sign} {value})"
        return sql.SQL(test).format(found=found, sign=sign, value=params.bind(value))
    test = "(jsonb_typeof({found}) = 'number' AND {found} {sign} {value})"
    return sql.SQL(test).format(found=found, sign=sign, value=params.bind(Jsonb(value), "::jsonb"))


def _with_containment(exact: sql.Composable, path: list[str], leaves: list[Any], params: Params) -> CompiledCondition:
    if not leaves or any(_DIGITS.match(segment) for segment in path) or not all(map(_has_scalar, leaves)):
        return CompiledCondition(exact, indexable=False)
    documents = [Jsonb(_nest(path, leaf)) for leaf in leaves]
    if len(documents) == 1:
        containment = sql.SQL("e.payload @> {}").format(params.bind(documents[0], "::jsonb"))
    else:
        containment = sql.SQL("e.payload @> ANY({})").format(params.bind(documents, "::jsonb[]"))
    return CompiledCondition(sql.SQL("({} AND {})").format(containment, exact), indexable=True)


def _nest(path: list[str], leaf: Any) -> dict[str, Any]:
    document: Any = leaf
    for segment in reversed(path):
        document = {segment: document}
    result: dict[str, Any] = document
    return result


def _has_scalar(value: Any) -> bool:
    """Whether ``jsonb_path_ops`` would extract an index key from ``value`` (empty containers give none)."""
    if isinstance(value, dict):
        return any(map(_has_scalar, value.values()))
    if isinstance(value, list):
        return any(map(_has_scalar, value))
    return True
