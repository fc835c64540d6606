"""``POST /graphql`` in plain ASGI (:mod:`chronicles.api.public.endpoint`): the same answers as the FastAPI route.

An ordinary request is answered by the endpoint in front of FastAPI; anything
unusual goes on to Strawberry's route, whose answers are the reference. Each
test checks which of the two answered (the endpoint counts what it answers).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import strawberry
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from strawberry.http import process_result

from chronicles.api.public.endpoint import PublicGraphQL
from chronicles.api.public.limits import DocumentChecks
from chronicles.api.public.schema import ERROR_ANSWERS, PublicSchema
from chronicles.errors import InputError
from tests.chronicles.api.conftest import ENTRIES, Token
from tests.chronicles.search_data import Row

ROUTE_ONLY = "application/json+x"  # Strawberry's route reads it as JSON; the endpoint leaves it to the route
UNAUTHORIZED = {"detail": "a valid viewer token is required (Authorization: Bearer …)"}


def endpoint(client: TestClient) -> PublicGraphQL:
    layer: Any = client.app.middleware_stack  # type: ignore[attr-defined]
    while not isinstance(layer, PublicGraphQL):
        layer = layer.app
    return layer


def post(
    client: TestClient, body: bytes, token: str | None, content_type: str = "application/json"
) -> tuple[httpx2.Response, bool]:
    """The answer, and whether the endpoint (not the route) gave it."""
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    before = endpoint(client).answered if client.app.middleware_stack else 0  # type: ignore[attr-defined]
    response = client.post("/graphql", content=body, headers=headers)
    return response, endpoint(client).answered == before + 1


def search_body(**variables: Any) -> bytes:
    return json.dumps({"query": ENTRIES, "variables": variables}).encode()


def same_answer(fast: httpx2.Response, route: httpx2.Response) -> None:
    assert (fast.status_code, fast.json()) == (route.status_code, route.json())
    for name in ("content-type", "www-authenticate", "content-security-policy", "x-content-type-options"):
        assert fast.headers.get(name) == route.headers.get(name), name
    assert fast.headers["x-request-id"]
    assert route.headers["x-request-id"]


def test_a_search_is_answered_by_the_endpoint_as_the_route_answers_it(
    chronicles_client: TestClient, seeded: list[Row], token: Token
) -> None:
    body = search_body(filter={"apps": ["practica"]}, first=3)
    runs = endpoint(chronicles_client).schema.checked_runs
    fast, by_endpoint = post(chronicles_client, body, token("org:1"))
    assert endpoint(chronicles_client).schema.checked_runs == runs + 1  # straight on graphql-core
    route, by_route_endpoint = post(chronicles_client, body, token("org:1"), ROUTE_ONLY)
    assert by_endpoint
    assert not by_route_endpoint
    same_answer(fast, route)
    assert len(fast.json()["data"]["entries"]["edges"]) == 3


def test_graphql_errors_and_refusals_are_the_routes(
    chronicles_client: TestClient, seeded: list[Row], token: Token
) -> None:
    cases = [
        (search_body(first=0), token("org:1")),  # a bad argument, named
        (json.dumps({"query": "{ entries { nope } }"}).encode(), token("org:1")),  # validation
        (json.dumps({"query": "{ entries"}).encode(), token("org:1")),  # syntax
        (json.dumps({"query": "{ entries { pageInfo { hasNextPage } } }", "operationName": "X"}).encode(), token("x")),
        (search_body(), None),  # no token
        (search_body(), "not-a-token"),
    ]
    straight = []
    for body, viewer in cases:
        runs = endpoint(chronicles_client).schema.checked_runs
        fast, by_endpoint = post(chronicles_client, body, viewer)
        straight.append(endpoint(chronicles_client).schema.checked_runs - runs)
        route, _ = post(chronicles_client, body, viewer, ROUTE_ONLY)
        assert by_endpoint, body
        if fast.headers["content-type"] == "application/json":
            same_answer(fast, route)
        else:
            assert (fast.status_code, fast.text) == (route.status_code, route.text)
    assert straight == [1, 0, 0, 0, 0, 0]  # the bad argument ran on graphql-core; the others failed a check first
    refused, _ = post(chronicles_client, search_body(), None)
    assert (refused.status_code, refused.json(), refused.headers["www-authenticate"]) == (401, UNAUTHORIZED, "Bearer")


def test_unusual_requests_go_on_to_the_route(chronicles_client: TestClient, seeded: list[Row], token: Token) -> None:
    viewer = token("org:1")
    cases = {
        b"[]": "Batching is not enabled",
        b'{"query": ': "Unable to parse request body as JSON",
        b'{"query": "{ entries { pageInfo { hasNextPage } } }", "variables": []}': "`variables` must be an object",
        b'{"variables": {}}': "No GraphQL query found in the request",
        b'{"query": 7}': "`query` must be a string",
    }
    for body, message in cases.items():
        response, by_endpoint = post(chronicles_client, body, viewer)
        assert not by_endpoint, body
        assert response.status_code == 400, body
        assert message in response.text, (body, response.text)
    response, by_endpoint = post(chronicles_client, search_body(), viewer, "text/plain")
    assert not by_endpoint
    assert (response.status_code, response.text) == (400, "Unsupported content type")


def test_the_endpoints_requests_count_under_the_route_in_metrics(
    chronicles_client: TestClient, seeded: list[Row], token: Token
) -> None:
    for _ in range(3):
        assert post(chronicles_client, search_body(), token("org:1"))[1]
    families = text_string_to_metric_families(chronicles_client.get("/metrics").text)
    counts = {
        sample.labels["status"]: sample.value
        for family in families
        for sample in family.samples
        if sample.name == "chronicles_http_requests_total" and sample.labels["route"] == "/graphql"
    }
    assert counts == {"200": 3}


@strawberry.type
class Failing:
    @strawberry.field
    def boom(self) -> int:
        raise RuntimeError("a secret detail")

    @strawberry.field
    def refused(self) -> int:
        raise InputError.one("first", "must be positive")

    @strawberry.field
    def fine(self) -> int:
        return 1


def test_a_document_run_straight_gets_strawberrys_error_answers() -> None:
    """Unexpected errors masked (and logged), Chronicles' errors coded, exactly as through Strawberry's execute."""
    checks = DocumentChecks(100, max_characters=1_000, max_tokens=200, cached=8)
    schema = PublicSchema(checks, query=Failing, extensions=[checks.extension, *ERROR_ANSWERS])
    documents = ["{ boom fine }", "{ refused fine }", "query Q { fine boom }", "{ fine }"]
    answers = []
    for document in documents:
        straight = asyncio.run(schema.execute_checked(document, None, None, None, None))
        through_strawberry = asyncio.run(schema.execute(document))
        assert process_result(straight) == process_result(through_strawberry), document
        answers.append(process_result(straight))
    assert schema.checked_runs == len(documents)
    assert answers[0]["errors"][0]["message"] == "Unexpected error."
    assert "secret" not in json.dumps(answers)
    assert answers[1]["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}
