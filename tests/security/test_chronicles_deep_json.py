"""Over-deep and unreadable JSON: a clear 4xx for a body, that item's error (and dead letter) inside a batch.

Before, a 10,000-level body was a 500 whose logged traceback stalled the
process for seconds, and one such item in an array lost the whole batch.
"""

from __future__ import annotations

import json

from tests.chronicles.factories import entry
from tests.security.chronicles_fixtures import Chronicles

LEVELS = 10_000
DEEP_OBJECT = '{"a":' * LEVELS + "1" + "}" * LEVELS
DEEP_ARRAY = "[" * LEVELS + "]" * LEVELS
CPU_SECONDS = 1.0  # the 500 cost the service 4-6 s of CPU (its traceback); a 400 costs milliseconds


def test_a_body_nested_10000_levels_is_a_quick_400(chronicles_service: Chronicles) -> None:
    headers = {**chronicles_service.producer("practica"), "Content-Type": "application/json"}
    before = chronicles_service.stored()
    spent_before = chronicles_service.cpu_seconds()
    response = chronicles_service.post("/entries", content=DEEP_OBJECT, headers=headers)
    spent = chronicles_service.cpu_seconds() - spent_before
    assert response.status_code == 400
    assert "nests too deeply" in response.json()["detail"]
    assert spent < CPU_SECONDS, f"the refusal cost the service {spent:.2f} s of CPU"
    assert chronicles_service.stored() == before
    assert "Traceback" not in chronicles_service.log.read_text()


def test_an_over_deep_item_in_an_array_is_that_items_error(chronicles_service: Chronicles) -> None:
    good = [entry(), entry()]
    body = f"[{json.dumps(good[0])}, {DEEP_OBJECT}, {json.dumps(good[1])}]"
    headers = {**chronicles_service.producer("practica"), "Content-Type": "application/json"}
    response = chronicles_service.post("/entries", content=body, headers=headers)
    assert response.status_code == 200
    answer = response.json()
    assert answer["accepted"] == 2
    assert [(error["index"], error["field"]) for error in answer["errors"]] == [(1, None)]
    assert "nests too deeply" in answer["errors"][0]["message"]
    codes = [item["sequence_code"] for item in good]
    assert chronicles_service.count("SELECT count(*) FROM entries WHERE sequence_code::text = ANY(%s)", codes) == 2
    letters = chronicles_service.rows("SELECT raw FROM dead_letters WHERE raw = %s", DEEP_OBJECT.encode())
    assert letters == [(DEEP_OBJECT.encode(),)]  # the item's exact bytes, ready to re-drive


def test_an_array_whose_first_item_nests_10000_levels_keeps_the_rest(chronicles_service: Chronicles) -> None:
    good = entry()
    body = f"[{DEEP_ARRAY}, {json.dumps(good)}]"
    headers = {**chronicles_service.producer("practica"), "Content-Type": "application/json"}
    answer = chronicles_service.post("/entries", content=body, headers=headers).json()
    assert answer["accepted"] == 1
    assert [error["index"] for error in answer["errors"]] == [0]
    assert chronicles_service.count("SELECT count(*) FROM dead_letters WHERE raw = %s", DEEP_ARRAY.encode()) == 1


def test_an_over_deep_ndjson_line_is_that_lines_error(chronicles_service: Chronicles) -> None:
    good = [entry(), entry()]
    lines = [json.dumps(good[0]), DEEP_OBJECT, json.dumps(good[1])]
    headers = {**chronicles_service.producer("practica"), "Content-Type": "application/x-ndjson"}
    answer = chronicles_service.post("/entries", content="\n".join(lines), headers=headers).json()
    assert answer["accepted"] == 2
    assert [error["index"] for error in answer["errors"]] == [1]
    codes = [item["sequence_code"] for item in good]
    assert chronicles_service.count("SELECT count(*) FROM entries WHERE sequence_code::text = ANY(%s)", codes) == 2


def test_a_number_too_long_to_convert_is_that_items_error(chronicles_service: Chronicles) -> None:
    """Python refuses to turn 5,000 digits into an int (a ValueError, not a JSON error): still one item's error."""
    good = entry()
    long_number = '{"payload": {"n": ' + "9" * 5000 + "}}"
    body = f"[{long_number}, {json.dumps(good)}]"
    headers = {**chronicles_service.producer("practica"), "Content-Type": "application/json"}
    answer = chronicles_service.post("/entries", content=body, headers=headers).json()
    assert answer["accepted"] == 1
    assert [error["index"] for error in answer["errors"]] == [0]
    assert "cannot be read" in answer["errors"][0]["message"]


def test_a_graphql_body_nested_10000_levels_is_a_400(chronicles_service: Chronicles) -> None:
    body = '{"query": "{ entries { edges { cursor } } }", "variables": ' + DEEP_OBJECT + "}"
    for path, headers in [
        ("/graphql", chronicles_service.viewer("org:1")),
        ("/internal/graphql", chronicles_service.admin()),
    ]:
        response = chronicles_service.post(path, content=body, headers={**headers, "Content-Type": "application/json"})
        assert response.status_code == 400, path
        assert "JSON" in response.text
    assert "Traceback" not in chronicles_service.log.read_text()
