"""Viewer tokens on ``POST /graphql``: 401 without a valid one, and only entries carrying the viewer's access tags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from chronicles.api.tokens import signing_key
from chronicles.settings import ChroniclesSettings
from tests.chronicles.api.conftest import Token, data, graphql, search_codes
from tests.chronicles.search_data import Row

QUERY = "{ entries { edges { node { sequenceCode payload } } } }"


def _claims(**overrides: Any) -> dict[str, Any]:
    return {"access_tags": ["org:1"], "exp": datetime.now(UTC) + timedelta(minutes=5), **overrides}


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda key: None, id="no token"),
        pytest.param(lambda key: "", id="empty token"),
        pytest.param(lambda key: "not-a-jwt", id="garbage"),
        pytest.param(lambda key: jwt.encode(_claims(), "x" * 40, algorithm="HS256"), id="another key"),
        pytest.param(lambda key: jwt.encode(_claims(exp=datetime.now(UTC) - timedelta(minutes=1)), key), id="expired"),
        pytest.param(lambda key: jwt.encode({"access_tags": ["org:1"]}, key), id="no expiry"),
        pytest.param(lambda key: jwt.encode(_claims(access_tags=[]), key), id="no tags"),
        pytest.param(lambda key: jwt.encode(_claims(access_tags="org:1"), key), id="tags not a list"),
        pytest.param(lambda key: jwt.encode(_claims(access_tags=["org:1' OR '1'='1"]), key), id="tag injection"),
        pytest.param(lambda key: jwt.encode(_claims(), key, algorithm="HS512"), id="other algorithm"),
        pytest.param(lambda key: jwt.encode(_claims(), key).rsplit(".", 1)[0] + ".", id="signature stripped"),
        pytest.param(
            lambda key: jwt.encode(_claims(), None, algorithm="none"),  # type: ignore[arg-type]
            id="alg none",
        ),
    ],
)
def test_a_missing_bad_or_expired_token_is_a_401_that_leaks_nothing(
    make: Any, chronicles_client: TestClient, seeded: list[Row], chronicles_settings: ChroniclesSettings
) -> None:
    response = graphql(chronicles_client, make(signing_key(chronicles_settings)), QUERY)
    assert response.status_code == 401
    assert response.json() == {"detail": "a valid viewer token is required (Authorization: Bearer …)"}
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_other_schemes_are_refused(chronicles_client: TestClient, seeded: list[Row], token: Token) -> None:
    headers = {"Authorization": f"Basic {token('org:1')}"}
    assert chronicles_client.post("/graphql", json={"query": QUERY}, headers=headers).status_code == 401


def test_a_viewer_sees_only_entries_with_one_of_their_access_tags(
    chronicles_client: TestClient, seeded: list[Row], token: Token
) -> None:
    def visible(*tags: str) -> set[str]:
        return {str(row.sequence_code) for row in seeded if set(tags) & set(row.access_tags)}

    for tags in (("org:1",), ("org:2",), ("org:3",), ("public",), ("org:3", "public"), ("org:1", "org:2", "org:3")):
        codes = search_codes(chronicles_client, token(*tags), None)
        assert len(codes) == len(set(codes))
        assert set(codes) == visible(*tags), tags
    assert search_codes(chronicles_client, token("nobody"), None) == []
    # filters never widen what a viewer sees
    org3 = search_codes(chronicles_client, token("org:3"), {"apps": ["practica", "forum"], "feedTags": ["flagged"]})
    assert set(org3) <= visible("org:3")


def test_entry_by_sequence_code_is_null_when_not_visible(
    chronicles_client: TestClient, seeded: list[Row], token: Token
) -> None:
    query = "query($code: UUID!) { entry(sequenceCode: $code) { sequenceCode accessTags } }"
    hidden = next(row for row in seeded if row.access_tags == ["org:3"])
    code = str(hidden.sequence_code)
    assert data(graphql(chronicles_client, token("org:1", "org:2"), query, code=code)) == {"entry": None}
    assert data(graphql(chronicles_client, token("org:3"), query, code=code))["entry"] == {
        "sequenceCode": code,
        "accessTags": ["org:3"],
    }
    unknown = "00000000-0000-0000-0000-0000000000ff"
    assert data(graphql(chronicles_client, token("org:3"), query, code=unknown)) == {"entry": None}


def test_a_token_from_the_cli_is_accepted(
    chronicles_client: TestClient, seeded: list[Row], chronicles_settings: ChroniclesSettings, monkeypatch: Any
) -> None:
    from typer.testing import CliRunner

    from chronicles.cli import app

    monkeypatch.setenv("PRACTICA_HOME", str(chronicles_settings.practica_home))
    monkeypatch.setenv("CHRONICLES_DATABASE_URL", str(chronicles_settings.chronicles_database_url))
    result = CliRunner().invoke(app, ["token", "--tag", "org:3", "--ttl", "10m", "--subject", "gid://practica/User/9"])
    assert result.exit_code == 0, result.output
    codes = search_codes(chronicles_client, result.output.strip(), None)
    assert set(codes) == {str(row.sequence_code) for row in seeded if "org:3" in row.access_tags}
