"""``/metrics`` under ``chronicles serve --workers 2`` counts the requests of both processes, whichever answers.

Every request opens a new connection, so the kernel spreads them over the two
processes (all 24 reaching one process would happen about once in 8 million
runs); every scrape, whichever process answers it, must count all of them.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from chronicles.api.tokens import mint, signing_key
from chronicles.settings import ChroniclesSettings
from tests.chronicles.conftest import producer_headers
from tests.chronicles.factories import entry
from tests.chronicles.test_several_servers import _serve, _wait_for_processes
from tests.conftest import free_port, started_service

SEARCHES = 16
BATCHES = 8  # of 3 entries
SCRAPES = 6
ENTRIES = "{ entries(first: 5) { edges { node { sequenceCode } } } }"


@pytest.fixture
def server(chronicles_db_url: str, tmp_path: Path) -> Iterator[tuple[str, int, ChroniclesSettings]]:
    """A two-process server (its address and the parent's process id) and the settings its clients need."""
    env = {
        "CHRONICLES_DATABASE_URL": chronicles_db_url,
        "PRACTICA_HOME": str(tmp_path),
        "CHRONICLES_SIGNING_KEY": "",
        "CHRONICLES_PRODUCER_KEY": "",
        "LOG_LEVEL": "WARNING",
    }
    port = free_port()
    with started_service(_serve(port, 2), env, f"http://127.0.0.1:{port}") as service:
        _wait_for_processes(port, 2)
        yield (
            service.base,
            service.pid,
            ChroniclesSettings(chronicles_database_url=chronicles_db_url, practica_home=tmp_path),
        )


def samples(base: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """One scrape, on a connection of its own: the samples called ``name`` by their labels."""
    text = httpx.get(f"{base}/metrics", timeout=30).text
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def _children_directory(parent: int) -> str:
    """The metrics directory the server's processes were given."""
    children = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout.split()
    for child in children:
        variables = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
        for variable in variables:
            if variable.startswith(b"PROMETHEUS_MULTIPROC_DIR="):
                return variable.split(b"=", 1)[1].decode()
    raise AssertionError("no process of the server has a metrics directory")


def _requests(base: str, settings: ChroniclesSettings) -> None:
    token = mint(signing_key(settings), ["org:1"], timedelta(minutes=5))
    for _ in range(SEARCHES):
        response = httpx.post(
            f"{base}/graphql", json={"query": ENTRIES}, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        assert response.status_code == 200, response.text
        assert "errors" not in response.json()
    for batch in range(BATCHES):
        messages: list[dict[str, Any]] = [entry(payload={"org": 1, "n": batch * 3 + n}) for n in range(3)]
        response = httpx.post(f"{base}/entries", json=messages, headers=producer_headers(settings), timeout=30)
        assert response.json() == {"accepted": 3, "errors": []}


def test_every_scrape_counts_the_requests_of_every_process(
    server: tuple[str, int, ChroniclesSettings],
) -> None:
    base, parent, settings = server
    directory = _children_directory(parent)
    _requests(base, settings)
    searches = {(("method", "POST"), ("route", "/graphql"), ("status", "200")): float(SEARCHES)}
    for _ in range(SCRAPES):
        requests = samples(base, "chronicles_http_requests_total")
        assert {labels: value for labels, value in requests.items() if ("route", "/graphql") in labels} == searches
        assert samples(base, "chronicles_entries_ingested_total") == {(("source", "http"),): BATCHES * 3.0}
        timed = samples(base, "chronicles_search_seconds_count")
        assert sum(timed.values()) == SEARCHES
        assert samples(base, "chronicles_dead_letters_pending") == {(): 0}
    assert len({name for name in os.listdir(directory) if name.startswith("counter_")}) == 2  # one file a process


def test_the_metrics_directory_is_fresh_at_each_start_and_removed_at_exit(
    chronicles_db_url: str, tmp_path: Path
) -> None:
    env = {"CHRONICLES_DATABASE_URL": chronicles_db_url, "PRACTICA_HOME": str(tmp_path), "LOG_LEVEL": "WARNING"}
    directories = []
    for _ in range(2):
        port = free_port()
        with started_service(_serve(port, 2), env, f"http://127.0.0.1:{port}") as service:
            _wait_for_processes(port, 2)
            directories.append(_children_directory(service.pid))
            graphql = (("method", "POST"), ("route", "/graphql"), ("status", "401"))
            assert graphql not in samples(service.base, "chronicles_http_requests_total")
            assert httpx.post(f"{service.base}/graphql", json={"query": ENTRIES}, timeout=30).status_code == 401
            assert samples(service.base, "chronicles_http_requests_total")[graphql] == 1
    assert directories[0] != directories[1]
    assert not any(Path(directory).exists() for directory in directories)
