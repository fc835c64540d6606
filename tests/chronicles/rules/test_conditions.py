from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from chronicles.contract.conditions import PayloadCondition
from chronicles.rules.conditions import holds

PAYLOAD: dict[str, Any] = {
    "flag": {"gid": "gid://plat/Flag/1", "on": True},
    "score": 7,
    "ratio": 0.5,
    "labels": ["red", "blue"],
    "title": "Pipes and filters",
    "when": "2026-05-01T10:00:00Z",
    "nothing": None,
}


def check(operation: str, path: list[str], value: Any = None) -> bool:
    return holds(PayloadCondition(operation=operation, path=path, value=value), PAYLOAD)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("operation", "path", "value", "expected"),
    [
        ("EQ", ["flag", "gid"], "gid://plat/Flag/1", True),
        ("EQ", ["flag", "gid"], "gid://plat/Flag/2", False),
        ("EQ", ["score"], 7.0, True),
        ("EQ", ["flag", "on"], 1, False),  # true is not 1
        ("EQ", ["missing"], None, False),
        ("NOT_EQ", ["score"], 8, True),
        ("NOT_EQ", ["score"], 7, False),
        ("NOT_EQ", ["missing"], 1, True),
        ("IN", ["score"], [1, 7], True),
        ("IN", ["score"], ["7"], False),
        ("CONTAINS", ["labels"], "red", True),
        ("CONTAINS", ["labels"], ["blue", "red"], True),
        ("CONTAINS", ["labels"], "green", False),
        ("CONTAINS", ["title"], "and fil", True),
        ("CONTAINS", ["flag"], {"on": True}, True),
        ("CONTAINS", ["score"], 7, False),
        ("EXISTS", ["nothing"], None, True),
        ("EXISTS", ["flag", "gid"], None, True),
        ("EXISTS", ["flag", "nope"], None, False),
        ("GT", ["score"], 6, True),
        ("GTE", ["score"], 7, True),
        ("LT", ["ratio"], 0.5, False),
        ("LTE", ["ratio"], 0.5, True),
        ("GT", ["when"], "2026-04-30", True),
        ("GT", ["title"], 3, False),  # a string never compares with a number
    ],
)
def test_conditions(operation: str, path: list[str], value: Any, expected: bool) -> None:
    assert check(operation, path, value) is expected


@pytest.mark.parametrize(
    ("condition", "complaint"),
    [
        ({"operation": "EQ", "path": ["a'; DROP TABLE entries; --"]}, "path.0"),
        ({"operation": "EQ", "path": []}, "path"),
        ({"operation": "IN", "path": ["a"], "value": 3}, "IN needs a list"),
        ({"operation": "GT", "path": ["a"], "value": {"x": 1}}, "GT needs a number or a string"),
        ({"operation": "EXISTS", "path": ["a"], "value": 5}, "EXISTS takes no value"),
        ({"operation": "LIKE", "path": ["a"], "value": "x"}, "operation"),
    ],
)
def test_malformed_conditions_are_refused(condition: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        PayloadCondition.model_validate(condition)
