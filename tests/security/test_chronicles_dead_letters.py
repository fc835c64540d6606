"""Re-sent bad items do not pile up: one pending dead letter per message, counting its deliveries.

A producer that resends a batch (a relay retrying, an attacker looping) used
to add one dead letter per bad item per request.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.chronicles.factories import entry
from tests.security.chronicles_fixtures import Chronicles

LETTERS = """
query { deadLetters(first: 100) { edges { node { id raw deliveries attempts status lastReceivedAt } } } }
"""


def admin(chronicles: Chronicles, query: str, **variables: Any) -> dict[str, Any]:
    response = chronicles.post(
        "/internal/graphql", json={"query": query, "variables": variables}, headers=chronicles.admin()
    )
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def pending_with(chronicles: Chronicles, marker: str) -> list[dict[str, Any]]:
    edges = admin(chronicles, LETTERS)["deadLetters"]["edges"]
    return [edge["node"] for edge in edges if marker in edge["node"]["raw"]]


def test_resending_a_bad_item_counts_deliveries_on_one_letter(chronicles_service: Chronicles) -> None:
    marker = uuid.uuid4().hex
    bad = json.dumps(entry(subject="not a gid", payload={"marker": marker}))
    headers = chronicles_service.producer("practica")
    for _ in range(3):
        batch = f"[{json.dumps(entry())}, {bad}]"
        answer = chronicles_service.post("/entries", content=batch, headers=headers).json()
        assert [error["index"] for error in answer["errors"]] == [1]  # every answer still names it
    [letter] = pending_with(chronicles_service, marker)
    assert letter["deliveries"] == 3
    assert letter["lastReceivedAt"] is not None
    ndjson = {**headers, "Content-Type": "application/x-ndjson"}
    chronicles_service.post("/entries", content=bad, headers=ndjson)  # the same bytes, as a line
    assert [letter["deliveries"] for letter in pending_with(chronicles_service, marker)] == [4]


def test_discarding_and_redriving_still_work_on_deduplicated_letters(chronicles_service: Chronicles) -> None:
    marker = uuid.uuid4().hex
    bad = entry(subject="not a gid", payload={"marker": marker})
    headers = chronicles_service.producer("practica")
    for _ in range(2):
        chronicles_service.post("/entries", json=bad, headers=headers)
    [letter] = pending_with(chronicles_service, marker)
    redriven = admin(
        chronicles_service,
        "mutation($ids: [ID!]!) { redriveDeadLetters(ids: $ids) { redriven stillFailing { id attempts } } }",
        ids=[letter["id"]],
    )["redriveDeadLetters"]
    assert redriven["stillFailing"] == [{"id": letter["id"], "attempts": 1}]
    discarded = admin(
        chronicles_service, "mutation($ids: [ID!]!) { discardDeadLetters(ids: $ids) { discarded } }", ids=[letter["id"]]
    )
    assert discarded["discardDeadLetters"]["discarded"] == [letter["id"]]
    chronicles_service.post("/entries", json=bad, headers=headers)  # after a discard, a new arrival is news
    [again] = pending_with(chronicles_service, marker)
    assert again["id"] != letter["id"]
    assert again["deliveries"] == 1
