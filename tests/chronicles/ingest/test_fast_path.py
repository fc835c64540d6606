"""The canonical-shape reader agrees with the contract model, and stored entries keep every character.

:func:`~chronicles.ingest.fast_path.read_canonical` may decline any message
(the model then reads it), but what it accepts the model must accept with the
same values. Hypothesis generates messages on the edge of the canonical shape;
the written cases are the ones a careless reader gets wrong.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronicles.contract.messages import MAX_PAYLOAD_BYTES, EntryMessage
from chronicles.contract.patterns import ACTION_PATTERN, APP_PATTERN, GID_PATTERN
from chronicles.ingest.fast_path import FIELDS, read_canonical
from chronicles.ingest.parsing import RawMessage, ValidEntry, parse
from chronicles.ingest.service import Ingestor
from tests.chronicles.factories import entry

EQUIVALENCE = settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
)


def oddly(pattern: str) -> st.SearchStrategy[Any]:
    """A string matching ``pattern`` with a character added, or any JSON value."""
    added = st.tuples(st.from_regex(pattern, fullmatch=True), st.sampled_from(["\n", " ", "/", "É", "\x00"]))
    return added.map("".join) | json_values


times = st.builds(
    "{}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}{}".format,
    st.sampled_from(["2026", "1970", "0001", "9999"]),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
    st.sampled_from(["", ".5", ".123456"]),
    st.sampled_from(["Z", "+00:00", "-00:00", "+05:30", "-23:59", "+14:00"]),
)
odd_times = st.builds(
    "{}-{:02d}-{:02d}{}{:02d}:{:02d}:{:02d}{}{}".format,
    st.sampled_from(["2026", "0000", "+2026", "20261"]),
    st.integers(0, 13),
    st.integers(0, 32),
    st.sampled_from(["T", "t", " "]),
    st.integers(0, 25),
    st.integers(0, 60),
    st.integers(0, 61),
    st.sampled_from(["", ".5", ".1234567", ",5", "."]),
    st.sampled_from(["Z", "z", "", "+24:00", "+0100", "+01", "+05:60", "-24:00"]),
)
canonical = st.fixed_dictionaries(
    {
        "app": st.from_regex(APP_PATTERN, fullmatch=True),
        "subject": st.from_regex(GID_PATTERN, fullmatch=True),
        "action": st.from_regex(ACTION_PATTERN, fullmatch=True),
        "occurred_at": times,
    },
    optional={
        "performer": st.none() | st.from_regex(GID_PATTERN, fullmatch=True),
        "payload": st.dictionaries(st.text(max_size=5), json_values, max_size=4),
        "sequence_code": st.none() | st.uuids().map(str),
        "schema_version": st.just(1),
    },
)
oddities = st.sampled_from(["app", "subject", "action", "performer"]).flatmap(
    lambda name: st.tuples(st.just(name), oddly({"app": APP_PATTERN, "action": ACTION_PATTERN}.get(name, GID_PATTERN)))
) | st.tuples(
    st.sampled_from(["occurred_at", "payload", "sequence_code", "schema_version", "extra"]),
    odd_times | json_values | st.uuids().map(lambda code: str(code).upper()) | st.sampled_from([1.0, True, 2, "1"]),
)


@st.composite
def messages(draw: st.DrawFn) -> dict[str, Any]:
    """A canonical message, or one with a field changed into something odd."""
    message: dict[str, Any] = draw(canonical)
    if draw(st.booleans()):
        name, value = draw(oddities)
        message[name] = value
    return message


def assert_agrees(data: bytes) -> None:
    reading = read_canonical(data)
    if reading is None:
        return
    parsed = parse(0, RawMessage(data, "kafka", "t", 0, 0))
    assert isinstance(parsed, ValidEntry), f"the contract refuses what the fast path took: {parsed}"
    message = parsed.message
    assert reading.sequence_code == (str(message.sequence_code) if message.sequence_code else None)
    assert (reading.app, reading.subject, reading.action, reading.performer) == (
        message.app,
        message.subject,
        message.action,
        message.performer,
    )
    assert reading.subject_type == message.subject_id.type
    assert reading.payload == message.payload
    assert json.loads(reading.payload_json) == message.payload
    assert reading.occurred_at == message.occurred_at
    assert reading.occurred_at.isoformat() == message.occurred_at.isoformat()


@EQUIVALENCE
@given(messages())
def test_what_the_fast_path_takes_the_contract_takes_alike(document: dict[str, Any]) -> None:
    assert_agrees(json.dumps(document).encode())


@pytest.mark.parametrize(
    "change",
    [
        {"app": "practica\n"},
        {"subject": "gid://practica/Lesson/1\n"},
        {"occurred_at": "2026-01-01T00:00:00"},
        {"occurred_at": "2026-02-30T00:00:00Z"},
        {"occurred_at": "2026-01-01T24:00:00Z"},
        {"schema_version": True},
        {"extra": 1},
        {"payload": {"note": "a\u0000b"}},
        {"payload": {"a": float("nan")}},
        {"payload": {"n": 1e400}},
        {"payload": {"deep": json.loads("[" * 33 + "]" * 33)}},
        {"payload": {"big": "x" * (MAX_PAYLOAD_BYTES // 6)}},
    ],
)
def test_the_edge_cases_are_left_to_the_model(change: dict[str, Any]) -> None:
    data = json.dumps(entry(**change)).encode()
    assert read_canonical(data) is None
    assert_agrees(data)


def test_a_lone_surrogate_is_left_to_the_model() -> None:
    assert read_canonical(json.dumps(entry(payload={"s": "\ud800"})).encode()) is None


def test_a_canonical_message_is_read_directly() -> None:
    data = json.dumps(entry(payload={"org": "o1", "note": "tab\there, back\\slash, é"})).encode()
    assert read_canonical(data) is not None
    assert_agrees(data)


def test_the_contract_still_has_the_fields_read_here() -> None:
    """A field added to the contract must be taught to the fast path (else it would refuse it silently)."""
    assert set(EntryMessage.model_fields) == FIELDS


TRICKY = ["tab\there", "line\nbreak", "cr\rhere", "back\\slash", "\\N", 'quote"s', "uni é 😀", "\x1f unit"]


async def test_entries_with_every_special_character_are_stored_as_sent(
    chronicles_conn: psycopg.AsyncConnection,
) -> None:
    """COPY's text format escapes backslashes, tabs and line breaks: payloads and tags come back unchanged."""
    await chronicles_conn.execute(
        "INSERT INTO tag_rules (name, kind, tag, match) VALUES ('note', 'feed', 'n:{payload.note}', '{}')"
    )
    sent = [entry(payload={"note": text, text: [text]}) for text in TRICKY]
    outcome = await Ingestor().ingest_raw(
        chronicles_conn, [RawMessage(json.dumps(message).encode(), "http") for message in sent], "http"
    )
    assert outcome.result.inserted == len(TRICKY)
    rows = await (
        await chronicles_conn.execute("SELECT sequence_code::text, payload, feed_tags FROM entries")
    ).fetchall()
    stored = {code: (payload, tags) for code, payload, tags in rows}
    for message, text in zip(sent, TRICKY, strict=True):
        payload, tags = stored[message["sequence_code"]]
        assert payload == message["payload"]
        assert tags == ([f"n:{text}"] if f"n:{text}".isprintable() else [])
    feed = await (await chronicles_conn.execute("SELECT tag FROM feed_taggings ORDER BY tag")).fetchall()
    assert sorted(tag for (tag,) in feed) == sorted(f"n:{text}" for text in TRICKY if f"n:{text}".isprintable())
