"""Property-based fuzzing of Chronicles' parsers: whatever the input, only the documented outcome or error.

- :func:`chronicles.ingest.parsing.parse` (Kafka messages, NDJSON lines,
  re-drives): any bytes give a ``ValidEntry`` or a ``Rejection``, never an
  exception;
- :mod:`chronicles.ingest.bodies` (HTTP bodies): items, or ``BodyError``;
- the contract models (entry message, payload conditions, search filter):
  a model, or pydantic's ``ValidationError``; a valid condition evaluated on
  any payload gives a bool.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from chronicles.contract.conditions import PayloadCondition, PayloadOperation
from chronicles.contract.filters import EntryFilter
from chronicles.contract.messages import EntryMessage
from chronicles.contract.patterns import ACTION_PATTERN, APP_PATTERN, GID_PATTERN, PATH_SEGMENT_PATTERN
from chronicles.ingest.bodies import BodyError, json_items, ndjson_items
from chronicles.ingest.parsing import Decoded, RawMessage, Rejection, ValidEntry, parse
from chronicles.rules.conditions import holds

pytestmark = pytest.mark.slow

FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4)
)
keys = st.from_regex(PATH_SEGMENT_PATTERN, fullmatch=True)
payloads = st.dictionaries(keys, json_values, max_size=5)
timestamps = st.sampled_from(["2026-01-01T00:00:00Z", "2026-01-01T00:00:00", "yesterday", "2026-02-30T00:00:00+01:00"])


def maybe(pattern: str) -> st.SearchStrategy[Any]:
    """A value that matches ``pattern`` most of the time, anything JSON otherwise."""
    return st.from_regex(pattern, fullmatch=True) | json_values


entry_like = st.fixed_dictionaries(
    {
        "app": maybe(APP_PATTERN),
        "subject": maybe(GID_PATTERN),
        "action": maybe(ACTION_PATTERN),
        "occurred_at": timestamps | json_values,
    },
    optional={
        "performer": maybe(GID_PATTERN),
        "payload": payloads | json_values,
        "sequence_code": st.uuids().map(str) | json_values,
        "schema_version": st.just(1) | json_values,
        "extra": json_values,
    },
)


def nested(depth: int, leaf: str = "1") -> bytes:
    return ('{"a":' * depth + leaf + "}" * depth).encode()


@FUZZ
@given(st.binary(max_size=2048))
def test_parse_takes_any_bytes(data: bytes) -> None:
    assert isinstance(parse(0, RawMessage(data, "kafka", "t", 0, 1)), ValidEntry | Rejection)


@FUZZ
@given(json_values | entry_like)
def test_parse_takes_any_json_document(document: Any) -> None:
    result = parse(3, RawMessage(json.dumps(document).encode(), "http"))
    assert isinstance(result, ValidEntry | Rejection)
    assert result.index == 3


@FUZZ
@given(entry_like)
def test_a_valid_entry_survives_its_own_serialisation(document: dict[str, Any]) -> None:
    result = parse(0, RawMessage(json.dumps(document).encode(), "http"))
    if isinstance(result, ValidEntry):
        again = parse(0, RawMessage(result.message.model_dump_json().encode(), "http"))
        assert isinstance(again, ValidEntry)
        assert again.message == result.message


@FUZZ
@given(st.integers(min_value=1, max_value=50_000), st.sampled_from(["1", "[]", '"x"', "9" * 5000]))
def test_nesting_and_long_numbers_are_rejections(depth: int, leaf: str) -> None:
    assert isinstance(parse(0, RawMessage(nested(depth, leaf), "kafka")), ValidEntry | Rejection)


@FUZZ
@given(st.binary(max_size=4096))
def test_an_http_body_of_any_bytes_is_items_or_a_body_error(body: bytes) -> None:
    for split in (json_items, ndjson_items):
        try:
            items = split(body)
        except BodyError:
            continue
        assert [item.index for item in items] == list(range(len(items)))


@FUZZ
@given(st.lists(json_values | entry_like | st.integers(1, 3000).map(lambda depth: "deep:" + str(depth)), max_size=8))
def test_an_array_keeps_every_item_apart(values: list[Any]) -> None:
    """Each readable item decodes to what was sent, with its exact bytes; an unreadable one is its own rejection."""
    texts = [nested(int(value[5:])).decode() if _is_deep(value) else json.dumps(value) for value in values]
    items = json_items(("[" + " , ".join(texts) + "]").encode())
    assert len(items) == len(values)
    for item, value, text in zip(items, values, texts, strict=True):
        assert item.raw.data == text.encode()
        if isinstance(item, Decoded):
            assert item.document == json.loads(text) or value != value  # NaN is never equal to itself
        else:
            assert isinstance(item, Rejection)
            assert _is_deep(value)


def _is_deep(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("deep:")


@FUZZ
@given(json_values)
def test_the_entry_model_takes_any_json_or_says_why_not(document: Any) -> None:
    with contextlib.suppress(ValidationError):
        EntryMessage.model_validate(document)


conditions_like = st.fixed_dictionaries(
    {
        "operation": st.sampled_from(list(PayloadOperation)) | json_values,
        "path": st.lists(keys, max_size=9) | json_values,
    },
    optional={"value": json_values},
)


@FUZZ
@given(conditions_like | json_values)
def test_payload_conditions_take_any_json_or_say_why_not(document: Any) -> None:
    for model in (PayloadCondition, EntryFilter):
        with contextlib.suppress(ValidationError):
            model.model_validate(document if model is PayloadCondition else {"payload": [document]})


@FUZZ
@given(conditions_like, payloads)
def test_a_valid_condition_on_any_payload_is_true_or_false(document: dict[str, Any], payload: dict[str, Any]) -> None:
    try:
        condition = PayloadCondition.model_validate(document)
    except ValidationError:
        return
    assert isinstance(holds(condition, payload), bool)


@pytest.mark.parametrize("depth", [40, 1_000, 100_000])
def test_deep_payloads_are_refused_at_any_depth(depth: int) -> None:
    message = json.dumps(
        {
            "app": "practica",
            "subject": "gid://practica/Lesson/1",
            "action": "lesson.published",
            "occurred_at": "2026-01-01T00:00:00Z",
        }
    )
    body = message[:-1] + ', "payload": ' + nested(depth).decode() + "}"
    result = parse(0, RawMessage(body.encode(), "http"))
    assert isinstance(result, Rejection)
