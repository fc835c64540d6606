"""Public API fixtures: the service on a fresh database with the search data set, viewer tokens, a GraphQL helper."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx2
import psycopg
import pytest
from fastapi.testclient import TestClient

from chronicles.api.tokens import mint, signing_key
from chronicles.settings import ChroniclesSettings
from tests.chronicles.conftest import libpq
from tests.chronicles.search_data import Row, install_rules, messages, stored_rows

Token = Callable[..., str]
MAX_PAGES = 200


@pytest.fixture
def db(chronicles_db_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(libpq(chronicles_db_url), autocommit=True) as conn:
        yield conn


@pytest.fixture
def token(chronicles_settings: ChroniclesSettings) -> Token:
    """``token("org:1", "public", ttl=timedelta(...))``: a viewer token signed with the service's key."""

    def make(*tags: str, ttl: timedelta = timedelta(minutes=5)) -> str:
        return mint(signing_key(chronicles_settings), tags, ttl)

    return make


@pytest.fixture
def seeded(chronicles_client: TestClient, db: psycopg.Connection[Any]) -> list[Row]:
    """The data set, ingested through ``POST /entries`` with the tag rules installed; the stored rows."""
    install_rules(db)
    answer = chronicles_client.post("/entries", json=messages()).json()
    assert answer == {"accepted": 48, "errors": []}
    return stored_rows(db)


def graphql(client: TestClient, token: str | None, query: str, **variables: Any) -> httpx2.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


def data(response: httpx2.Response) -> dict[str, Any]:
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


def error(response: httpx2.Response) -> dict[str, Any]:
    """The only error of a GraphQL answer."""
    body = response.json()
    assert response.status_code == 200, body
    assert len(body.get("errors", [])) == 1, body
    first: dict[str, Any] = body["errors"][0]
    return first


ENTRIES = """
query($filter: EntryFilter, $first: Int, $after: String) {
  entries(filter: $filter, first: $first, after: $after) {
    edges { cursor node { sequenceCode } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def search_codes(client: TestClient, token: str, entry_filter: dict[str, Any] | None, first: int = 7) -> list[str]:
    """Every sequence code a search answers, page by page; each page is checked against its pageInfo."""
    codes: list[str] = []
    after = None
    for _ in range(MAX_PAGES):
        page = data(graphql(client, token, ENTRIES, filter=entry_filter, first=first, after=after))["entries"]
        codes += [edge["node"]["sequenceCode"] for edge in page["edges"]]
        assert len(page["edges"]) <= first
        if not page["pageInfo"]["hasNextPage"]:
            return codes
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]
    raise AssertionError(f"no last page after {MAX_PAGES} pages: the cursor does not advance")
