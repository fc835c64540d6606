"""Schemathesis over Chronicles' HTTP intake: a real ``chronicles serve``, a real database, a producer token.

Cases come from the intake's OpenAPI (the entry contract alone or in
arrays, NDJSON text), valid and invalid, and half of them are rewritten to
the token's own app so that they get past authorisation and reach the store.
For every case: no 5xx, an answer that matches the documented responses, and
no partial write: a refused request leaves entries and dead letters as they
were; an accepted one stores every entry it reports accepted and keeps one
dead-letter delivery per error it reports.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks

from tests.security.chronicles_fixtures import Chronicles

APP = "fuzz"
NDJSON = "application/x-ndjson"
EXAMPLES = 200  # 30-45 s on a busy 2-core machine


@pytest.mark.slow
def test_the_intake_answers_every_generated_request_without_a_5xx_or_a_partial_write(
    chronicles_service: Chronicles,
) -> None:
    schema = schemathesis.openapi.from_url(f"{chronicles_service.base}/openapi.json")
    operation = schema["/entries"]["POST"]
    cases = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)
    headers = chronicles_service.producer(APP)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, own_app=st.booleans())
    def send(case: Any, own_app: bool) -> None:
        if own_app:
            case.body = _with_app(case.body, APP)
        before = chronicles_service.stored()
        response = case.call(base_url=chronicles_service.base, headers=headers)
        assert response.status_code < 500, response.text
        case.validate_response(response, excluded_checks=_NOT_OURS)
        _check_writes(chronicles_service, case.body, response, before)

    send()


@schemathesis.serializer(NDJSON)
def _ndjson(_: Any, value: Any) -> bytes:
    """The entries of an NDJSON case, one per line; a case made to break the schema goes as it is."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, list):
        return b"\n".join(json.dumps(item).encode() for item in value)
    return json.dumps(value).encode()


def _with_app(body: Any, app: str) -> Any:
    if isinstance(body, dict):
        return {**body, "app": app}
    if isinstance(body, list):
        return [_with_app(item, app) for item in body]
    return body


def _check_writes(chronicles: Chronicles, body: Any, response: Any, before: tuple[int, int]) -> None:
    entries, deliveries = chronicles.stored()
    if response.status_code != 200:
        assert (entries, deliveries) == before, f"{response.status_code} but something was written"
        return
    answer = response.json()
    assert deliveries - before[1] == len(answer["errors"]), "every reported error is kept as a dead letter"
    assert entries - before[0] <= answer["accepted"]
    failed = {error["index"] for error in answer["errors"]}
    items = body if isinstance(body, list) else [body]
    codes = [
        item["sequence_code"]
        for index, item in enumerate(items)
        if index not in failed and isinstance(item, dict) and isinstance(item.get("sequence_code"), str)
    ]
    # An entry is (sequence_code, occurred_at) since entries are partitioned by month: one code sent again with
    # another occurred_at is a second entry (README, "Partitions and retention"), so codes are counted once each.
    stored = chronicles.count(
        "SELECT count(DISTINCT sequence_code) FROM entries WHERE sequence_code::text = ANY(%s)", codes
    )
    assert stored == len(set(codes)), "every entry reported accepted is stored"


# Checks that do not fit an intake that answers 200 with per-item errors: it accepts invalid items on
# purpose (keeping them as dead letters), and refuses valid ones of apps the token does not name.
_NOT_OURS = [checks.negative_data_rejection, checks.positive_data_acceptance]
