"""``CHRONICLES_READ_DATABASE_URL``: the public searches read a real streaming replica; writes stay on the primary.

The proof that searches read the replica and not the primary: with the standby's replay paused, an entry the
primary holds is absent from the search, and appears once replay resumes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from chronicles.api.tokens import mint, signing_key
from chronicles.app import create_app
from chronicles.settings import ChroniclesSettings
from tests.chronicles.conftest import producer_headers
from tests.chronicles.factories import entry
from tests.chronicles.operating import ADMIN_TOKEN, Admin
from tests.chronicles.replica.conftest import Replication

SUBJECTS = "{ entries(first: 100) { edges { node { subject } } } }"
STATUS = "{ ingestionStatus { replicaLagSeconds replicaReachable entriesLastHour } }"
RULE = "mutation($rule: TagRuleInput!) { createTagRule(input: $rule, backfill: false) { errors { field message } } }"


class Chronicles:
    """Chronicles in front of the primary, its searches on ``read_url``: the intake, searches and the status."""

    def __init__(self, client: TestClient, settings: ChroniclesSettings) -> None:
        self.client = client
        self.admin = Admin(client, ADMIN_TOKEN)
        self.viewer = mint(signing_key(settings), ("public",), timedelta(minutes=5))

    def ingest(self, subject: str) -> None:
        answer = self.client.post("/entries", json=[entry(subject=subject)])
        assert answer.json() == {"accepted": 1, "errors": []}, answer.text

    def search(self) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.viewer}"}
        answer = self.client.post("/graphql", json={"query": SUBJECTS}, headers=headers)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def subjects(self) -> set[str]:
        body = self.search()
        assert "errors" not in body, body
        return {edge["node"]["subject"] for edge in body["data"]["entries"]["edges"]}

    def status(self) -> dict[str, Any]:
        found: dict[str, Any] = self.admin(STATUS)["ingestionStatus"]
        return found


@contextmanager
def chronicles(primary_url: str, read_url: str | None, home: Path) -> Iterator[Chronicles]:
    settings = ChroniclesSettings(
        chronicles_database_url=primary_url,
        chronicles_read_database_url=read_url,
        chronicles_admin_token=SecretStr(ADMIN_TOKEN),
        practica_home=home,
    )
    with TestClient(create_app(settings), headers=producer_headers(settings)) as client:
        service = Chronicles(client, settings)
        everyone = {"name": "everyone", "kind": "ACCESS", "tag": "public"}
        assert service.admin(RULE, rule=everyone)["createTagRule"]["errors"] == []
        yield service


@pytest.fixture
def on_replica(replication: Replication, replicated_database: str, tmp_path: Path) -> Iterator[Chronicles]:
    primary, standby = replication.primary.url(replicated_database), replication.standby.url(replicated_database)
    with chronicles(primary, standby, tmp_path) as service:
        yield service


def primary_subjects(replication: Replication, database: str) -> set[str]:
    with replication.primary.connect(database) as conn:
        return {subject for (subject,) in conn.execute("SELECT subject FROM entries").fetchall()}


def test_an_entry_ingested_on_the_primary_is_found_once_the_replica_replays_it(
    on_replica: Chronicles, replication: Replication, replicated_database: str
) -> None:
    on_replica.ingest("gid://practica/Lesson/replicated")
    replication.wait_replayed()
    assert on_replica.subjects() == {"gid://practica/Lesson/replicated"}
    assert primary_subjects(replication, replicated_database) == {"gid://practica/Lesson/replicated"}


def test_searches_read_the_replica_not_the_primary(
    on_replica: Chronicles, replication: Replication, replicated_database: str
) -> None:
    on_replica.ingest("gid://practica/Lesson/before")
    replication.wait_replayed()
    with replication.standby.connect() as standby:
        standby.execute("SELECT pg_wal_replay_pause()")
        try:
            on_replica.ingest("gid://practica/Lesson/while-paused")
            replication.wait_received()
            assert primary_subjects(replication, replicated_database) == {
                "gid://practica/Lesson/before",
                "gid://practica/Lesson/while-paused",
            }
            assert on_replica.subjects() == {"gid://practica/Lesson/before"}, "the search read the primary"
            assert on_replica.status()["replicaLagSeconds"] > 0, "a paused replica with WAL to replay is behind"
        finally:
            standby.execute("SELECT pg_wal_replay_resume()")
    replication.wait_replayed()
    assert on_replica.subjects() == {"gid://practica/Lesson/before", "gid://practica/Lesson/while-paused"}


def test_the_status_shows_the_replicas_lag(on_replica: Chronicles, replication: Replication) -> None:
    on_replica.ingest("gid://practica/Lesson/counted")
    replication.wait_replayed()
    status = on_replica.status()
    assert status["replicaReachable"] is True
    assert isinstance(status["replicaLagSeconds"], float)
    assert status["replicaLagSeconds"] >= 0
    assert status["entriesLastHour"] == 1, "the other figures still come from the primary"
    metrics = on_replica.client.get("/metrics").text
    assert re.search(r"^chronicles_replica_up 1\.0$", metrics, re.M), metrics
    assert re.search(r"^chronicles_replica_lag_seconds \d", metrics, re.M), metrics


def test_without_a_replica_the_status_has_no_lag(chronicles_db_url: str, tmp_path: Path) -> None:
    with chronicles(chronicles_db_url, None, tmp_path) as service:
        service.ingest("gid://practica/Lesson/primary-only")
        assert service.subjects() == {"gid://practica/Lesson/primary-only"}, "without a replica, the primary answers"
        status = service.status()
        assert status["replicaLagSeconds"] is None
        assert status["replicaReachable"] is None
        assert "chronicles_replica" not in service.client.get("/metrics").text


def test_writes_go_to_the_primary_never_the_replica(
    on_replica: Chronicles, replication: Replication, replicated_database: str
) -> None:
    """The intake and the internal API's mutations write (a replica would refuse them: read-only transactions)."""
    on_replica.ingest("gid://practica/Lesson/written")
    rule = {"name": "lessons", "kind": "FEED", "tag": "lessons"}
    assert on_replica.admin(RULE, rule=rule)["createTagRule"]["errors"] == []
    with replication.primary.connect(replicated_database) as conn:
        rules = {name for (name,) in conn.execute("SELECT name FROM tag_rules").fetchall()}
    assert rules == {"everyone", "lessons"}
    assert primary_subjects(replication, replicated_database) == {"gid://practica/Lesson/written"}


def test_a_replica_that_is_down_fails_searches_with_unavailable(
    on_replica: Chronicles, replication: Replication, replicated_database: str
) -> None:
    on_replica.ingest("gid://practica/Lesson/kept")
    replication.wait_replayed()
    replication.standby.stop()
    try:
        body = on_replica.search()
        assert body["data"] is None
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "UNAVAILABLE"
        assert "read replica" in error["message"]
        status = on_replica.status()
        assert status["replicaReachable"] is False
        assert status["replicaLagSeconds"] is None
        on_replica.ingest("gid://practica/Lesson/still-taken")
    finally:
        replication.standby.start()
    assert primary_subjects(replication, replicated_database) == {
        "gid://practica/Lesson/kept",
        "gid://practica/Lesson/still-taken",
    }
