"""Payload conditions evaluated in Python, with the same meaning as the SQL in ``store.search``.

- EQ / NOT_EQ / IN: JSON equality (1 equals 1.0; true never equals 1).
  NOT_EQ also holds when the path is missing.
- CONTAINS: an array holds the value (or every value of a list), an object
  holds the given sub-object, a string holds the given substring.
- EXISTS: the path leads to a value (JSON null counts).
- GT / GTE / LT / LTE: numbers against numbers, strings against strings
  (code-point order, so ISO timestamps compare by time); other types never match.
"""

from __future__ import annotations

from typing import Any

from chronicles.contract.conditions import PayloadCondition, PayloadOperation
from chronicles.rules.placeholders import MISSING, payload_value


def holds(condition: PayloadCondition, payload: dict[str, Any]) -> bool:
    found = payload_value(payload, condition.path)
    operation, value = condition.operation, condition.value
    if operation is PayloadOperation.EXISTS:
        return found is not MISSING
    if operation is PayloadOperation.NOT_EQ:
        return found is MISSING or not json_equal(found, value)
    if found is MISSING:
        return False
    if operation is PayloadOperation.EQ:
        return json_equal(found, value)
    if operation is PayloadOperation.IN:
        return any(json_equal(found, candidate) for candidate in value)
    if operation is PayloadOperation.CONTAINS:
        return contains(found, value)
    return _compare(operation, found, value)


def json_equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[key], right[key]) for key in left)
    return type(left) is type(right) and bool(left == right)


def contains(found: Any, value: Any) -> bool:
    """PostgreSQL's ``@>`` for arrays and objects; substring for strings."""
    if isinstance(found, str):
        return isinstance(value, str) and value in found
    if isinstance(found, list):
        wanted = value if isinstance(value, list) else [value]
        return all(any(_contained(item, candidate) for item in found) for candidate in wanted)
    if isinstance(found, dict):
        return isinstance(value, dict) and _contained(found, value)
    return False


def _contained(container: Any, part: Any) -> bool:
    if isinstance(container, dict) and isinstance(part, dict):
        return all(key in container and _contained(container[key], item) for key, item in part.items())
    if isinstance(container, list) and isinstance(part, list):
        return all(any(_contained(item, candidate) for item in container) for candidate in part)
    return json_equal(container, part)


def _compare(operation: PayloadOperation, found: Any, value: Any) -> bool:
    numbers = _is_number(found) and _is_number(value)
    strings = isinstance(found, str) and isinstance(value, str)
    if not (numbers or strings):
        return False
    if operation is PayloadOperation.GT:
        return bool(found > value)
    if operation is PayloadOperation.GTE:
        return bool(found >= value)
    if operation is PayloadOperation.LT:
        return bool(found < value)
    return bool(found <= value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
