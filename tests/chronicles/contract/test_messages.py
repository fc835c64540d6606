from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from chronicles.contract.messages import EntryMessage, json_schema
from tests.chronicles.factories import entry

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "schemas" / "chronicles" / "entry.v1.json"


def test_the_committed_json_schema_is_generated_from_the_contract() -> None:
    assert json.loads(SCHEMA_FILE.read_text()) == json_schema(), (
        "run `chronicles schema > schemas/chronicles/entry.v1.json`"
    )


def test_a_valid_message_is_normalised_to_utc() -> None:
    message = EntryMessage.model_validate(entry(occurred_at="2026-03-01T12:00:00+02:00"))
    assert message.occurred_at.isoformat() == "2026-03-01T10:00:00+00:00"
    assert message.subject_id.type == "Lesson"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "gid://practica/lesson/1"),  # type must be capitalised
        ("subject", "gid://practica/Lesson/"),
        ("subject", "gid://practica/Lesson/1'; DROP TABLE entries;--"),
        ("performer", "user 7"),
        ("action", "Published"),
        ("action", "lesson"),
        ("action", "lesson.published; --"),
        ("app", "Practica"),
        ("occurred_at", "2026-03-01T10:00:00"),  # no time zone
        ("payload", ["not", "an", "object"]),
        ("sequence_code", "not-a-uuid"),
    ],
)
def test_bad_fields_are_refused_by_name(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as raised:
        EntryMessage.model_validate(entry(**{field: value}))
    assert raised.value.errors()[0]["loc"][0] == field


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        EntryMessage.model_validate({**entry(), "colour": "red"})


def test_an_oversized_payload_is_refused() -> None:
    with pytest.raises(ValidationError, match="at most 65536"):
        EntryMessage.model_validate(entry(payload={"blob": "x" * 70_000}))
