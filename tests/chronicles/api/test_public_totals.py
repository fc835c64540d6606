"""``totalCount``: exact up to the bound (whatever the cursor), the planner's estimate above it, and saying which."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from chronicles.app import create_app
from chronicles.contract.filters import EntryFilter
from chronicles.settings import ChroniclesSettings
from tests.chronicles.api.conftest import Token, data, graphql
from tests.chronicles.search_data import Row, reference

VIEWER = ("org:1", "org:2", "org:3")
BOUND = 3
TOTALS = """
query($filter: EntryFilter, $first: Int, $after: String) {
  entries(filter: $filter, first: $first, after: $after) {
    totalCount totalCountIsEstimate
    edges { node { sequenceCode } }
    pageInfo { endCursor }
  }
}
"""
# One filter per way a search is driven: access tags, subjects, performers, actions, feed tags (any, all), payload.
FILTERS: list[dict[str, Any]] = [
    {},
    {"subjects": ["gid://practica/Lesson/1", "gid://practica/Lesson/2", "gid://forum/Post/1"]},
    {"performers": ["gid://practica/User/1", "gid://practica/User/3"]},
    {"actions": ["lesson.published", "post.created"]},
    {"feedTags": ["lesson:1", "flagged"]},
    {"feedTags": ["lesson:0", "user:0"], "feedTagsMatch": "ALL"},
    {"payload": [{"operation": "IN", "path": ["org"], "value": [1, 3]}]},
    {"apps": ["practica"], "occurredAfter": "2026-03-01T00:30:00Z"},
]


@pytest.fixture
def bounded_client(chronicles_settings: ChroniclesSettings) -> Iterator[TestClient]:
    """The same service and database, counting exactly up to BOUND entries only."""
    settings = chronicles_settings.model_copy(update={"chronicles_exact_count_limit": BOUND})
    with TestClient(create_app(settings)) as client:
        yield client


def _totals(client: TestClient, token: str, entry_filter: dict[str, Any], after: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = data(graphql(client, token, TOTALS, filter=entry_filter, first=2, after=after))["entries"]
    return page


@pytest.mark.parametrize("entry_filter", FILTERS, ids=lambda f: ",".join(f) or "access only")
def test_total_is_exact_under_the_bound_on_every_page(
    entry_filter: dict[str, Any], chronicles_client: TestClient, seeded: list[Row], token: Token
) -> None:
    expected = len(reference(seeded, EntryFilter.model_validate(entry_filter), VIEWER))
    assert expected > 2, "the filter must select more than one page"
    first = _totals(chronicles_client, token(*VIEWER), entry_filter)
    second = _totals(chronicles_client, token(*VIEWER), entry_filter, after=first["pageInfo"]["endCursor"])
    for page in (first, second):
        assert (page["totalCount"], page["totalCountIsEstimate"]) == (expected, False)


@pytest.mark.parametrize("entry_filter", FILTERS, ids=lambda f: ",".join(f) or "access only")
def test_total_counts_only_what_the_viewer_may_see(
    entry_filter: dict[str, Any], chronicles_client: TestClient, seeded: list[Row], token: Token
) -> None:
    narrow = ("org:2",)
    expected = len(reference(seeded, EntryFilter.model_validate(entry_filter), narrow))
    assert expected < len(reference(seeded, EntryFilter.model_validate(entry_filter), VIEWER))
    page = _totals(chronicles_client, token(*narrow), entry_filter)
    assert (page["totalCount"], page["totalCountIsEstimate"]) == (expected, False)


def test_total_above_the_bound_is_the_planners_estimate_and_says_so(
    bounded_client: TestClient, seeded: list[Row], token: Token, db: psycopg.Connection[Any]
) -> None:
    db.execute("ANALYZE entries")
    expected = len(reference(seeded, EntryFilter(), VIEWER))
    assert expected > 4 * BOUND
    page = _totals(bounded_client, token(*VIEWER), {})
    assert page["totalCountIsEstimate"] is True
    assert expected / 2 <= page["totalCount"] <= expected * 2  # the planner's figure, not the bound


def test_bounded_total_is_exact_when_few_match_and_at_least_past_the_bound_otherwise(
    bounded_client: TestClient, seeded: list[Row], token: Token
) -> None:
    per_subject = Counter(row.subject for row in seeded if set(row.access_tags) & set(VIEWER))
    few = min(subject for subject, count in per_subject.items() if count <= BOUND)
    many = min(subject for subject, count in per_subject.items() if count > BOUND)
    page = _totals(bounded_client, token(*VIEWER), {"subjects": [few]})
    assert (page["totalCount"], page["totalCountIsEstimate"]) == (per_subject[few], False)
    page = _totals(bounded_client, token(*VIEWER), {"subjects": [many]})
    assert page["totalCountIsEstimate"] is True
    assert page["totalCount"] > BOUND  # counted past the bound: never an estimate below what was seen


def test_a_page_without_total_fields_answers_as_before(
    chronicles_client: TestClient, seeded: list[Row], token: Token
) -> None:
    query = "{ entries(first: 2) { edges { node { sequenceCode } } pageInfo { hasNextPage } } }"
    page = data(graphql(chronicles_client, token(*VIEWER), query))["entries"]
    assert page["pageInfo"] == {"hasNextPage": True}
    assert list(page) == ["edges", "pageInfo"]
