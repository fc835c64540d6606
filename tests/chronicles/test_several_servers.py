"""Several ``chronicles serve`` processes on one database: a client may reach any of them for any request.

Two real servers run against one cloned database: ``a`` (one process) and
``b`` (``--workers 2``: two processes on one port). Every request opens a new
connection, so the kernel may hand those to ``b`` to either of its processes.
Nothing a client depends on may live in one process: cursors, the kept keys,
the rule book (checked against the database in every ingest transaction) and
templates (read from the database on every search).
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from chronicles.api.tokens import mint, signing_key
from chronicles.settings import ChroniclesSettings
from tests.chronicles.conftest import libpq, producer_headers
from tests.chronicles.factories import entry
from tests.conftest import free_port, running_service

ADMIN_TOKEN = "s3cret-admin-for-several-servers"
ORG_RULE = {"name": "org", "kind": "ACCESS", "tag": "org:{payload.org}", "match": {"apps": ["practica"]}}
LESSON_RULE = {"name": "lesson-feed", "kind": "FEED", "tag": "lesson:{payload.lesson.id}", "match": {}}
CREATE_RULE = """mutation($input: TagRuleInput!) {
  createTagRule(input: $input, backfill: false) { rule { name } errors { field message } } }"""
CREATE_TEMPLATE = """mutation($input: TemplateInput!) {
  createTemplate(input: $input) { template { name } errors { field message } } }"""
UPDATE_TEMPLATE = """mutation($name: String!, $input: TemplatePatch!) {
  updateTemplate(name: $name, input: $input) { template { text } errors { field message } } }"""
ENTRIES = """query($filter: EntryFilter, $first: Int, $after: String) {
  entries(filter: $filter, first: $first, after: $after) {
    edges { node { sequenceCode text } } pageInfo { hasNextPage endCursor } } }"""
MAX_PAGES = 50
LESSON = {"lesson": {"id": "py-1"}}


@dataclass(frozen=True)
class Servers:
    """The two servers' addresses, and the settings a client needs to make tokens with the kept keys."""

    a: str
    b: str
    settings: ChroniclesSettings
    database_url: str

    def ingest(self, base: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
        response = httpx.post(f"{base}/entries", json=messages, headers=producer_headers(self.settings), timeout=30)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def internal(self, base: str, query: str, **variables: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        body = {"query": query, "variables": variables}
        return _data(httpx.post(f"{base}/internal/graphql", json=body, headers=headers, timeout=30))

    def search(self, base: str, **variables: Any) -> dict[str, Any]:
        token = mint(signing_key(self.settings), ["org:1"], timedelta(minutes=5))
        body = {"query": ENTRIES, "variables": variables}
        response = httpx.post(f"{base}/graphql", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        page: dict[str, Any] = _data(response)["entries"]
        return page


def _data(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


@pytest.fixture
def servers(chronicles_db_url: str, tmp_path: Path) -> Iterator[Servers]:
    """``a`` and ``b`` (two workers), started together with no keys configured: they must agree on the kept ones."""
    env = {
        "CHRONICLES_DATABASE_URL": chronicles_db_url,
        "PRACTICA_HOME": str(tmp_path),
        "CHRONICLES_ADMIN_TOKEN": ADMIN_TOKEN,
        "CHRONICLES_SIGNING_KEY": "",
        "CHRONICLES_PRODUCER_KEY": "",
        "LOG_LEVEL": "WARNING",
    }
    ports = free_port(), free_port()
    with ExitStack() as stack:
        bases = [
            stack.enter_context(running_service(_serve(port, workers), env, f"http://127.0.0.1:{port}"))
            for port, workers in zip(ports, (1, 2), strict=True)
        ]
        _wait_for_processes(ports[1], 2)
        settings = ChroniclesSettings(chronicles_database_url=chronicles_db_url, practica_home=tmp_path)
        yield Servers(bases[0], bases[1], settings, chronicles_db_url)


def _serve(port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "chronicles", "serve", "--port", str(port), "--workers", str(workers)]


def _wait_for_processes(port: int, count: int) -> None:
    """/ping answers once the first process listens; wait (up to a ceiling) for the others."""
    deadline = time.monotonic() + 120
    while _listening_sockets(port) < count and time.monotonic() < deadline:
        time.sleep(0.2)


def _listening_sockets(port: int) -> int:
    """Sockets listening on ``port`` (a socket shared by processes counts once)."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for line in lines if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A")


def _messages(count: int, payload: dict[str, Any] | None = None, **overrides: Any) -> list[dict[str, Any]]:
    """``count`` entries of org 1 (with ``payload`` besides), one minute apart, newest last."""
    start = datetime(2026, 5, 1, tzinfo=UTC)
    return [
        entry(
            occurred_at=(start + timedelta(minutes=n)).isoformat(), payload={"org": 1, **(payload or {})}, **overrides
        )
        for n in range(count)
    ]


def test_serve_with_two_workers_listens_with_two_processes_on_one_port(servers: Servers) -> None:
    port = int(servers.b.rsplit(":", 1)[1])
    serve = subprocess.run(["pgrep", "-o", "-f", f"chronicles serve --port {port}"], capture_output=True, text=True)
    children = subprocess.run(["pgrep", "-P", serve.stdout.strip()], capture_output=True, text=True).stdout.split()
    serving = [child for child in children if "resource_tracker" not in Path(f"/proc/{child}/cmdline").read_text()]
    assert len(serving) == 2
    assert _listening_sockets(port) == 2  # one socket each (SO_REUSEPORT)


def test_entries_written_through_one_are_paged_through_both_with_each_others_cursors(servers: Servers) -> None:
    servers.internal(servers.a, CREATE_RULE, input=ORG_RULE)
    messages = _messages(9)
    assert servers.ingest(servers.a, messages) == {"accepted": 9, "errors": []}
    codes: list[str] = []
    after = None
    for page_number in range(MAX_PAGES):
        base = (servers.b, servers.a)[page_number % 2]  # each page from the other server, on the last one's cursor
        page = servers.search(base, first=2, after=after)
        codes += [edge["node"]["sequenceCode"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert codes == [message["sequence_code"] for message in reversed(messages)]


def test_a_tag_rule_created_through_one_tags_the_next_entries_the_others_store(servers: Servers) -> None:
    servers.internal(servers.a, CREATE_RULE, input=ORG_RULE)
    for base in (servers.a, servers.b, servers.b):  # the processes load the rule book before the new rule exists
        assert servers.ingest(base, _messages(1, LESSON, check_passed=True))["accepted"] == 1
    created = servers.internal(servers.b, CREATE_RULE, input=LESSON_RULE)["createTagRule"]
    assert created["errors"] == []
    later = _messages(3, LESSON, check_passed=True)
    for base, message in zip((servers.a, servers.b, servers.b), later, strict=True):
        assert servers.ingest(base, [message])["accepted"] == 1
    tagged = servers.search(servers.a, filter={"feedTags": ["lesson:py-1"]})
    assert {edge["node"]["sequenceCode"] for edge in tagged["edges"]} == {message["sequence_code"] for message in later}


def test_a_template_changed_through_one_renders_at_once_on_the_others(servers: Servers) -> None:
    servers.internal(servers.a, CREATE_RULE, input=ORG_RULE)
    template = {"name": "published", "app": "practica", "subjectType": "Lesson", "action": "lesson.published"}
    servers.internal(servers.a, CREATE_TEMPLATE, input={**template, "text": "{performer} published"})
    servers.ingest(servers.a, _messages(1, performer="gid://practica/User/7"))
    for base in (servers.b, servers.b, servers.a):  # every process parses (and keeps) the first text
        assert servers.search(base)["edges"][0]["node"]["text"] == "gid://practica/User/7 published"
    changed = servers.internal(servers.b, UPDATE_TEMPLATE, name="published", input={"text": "{performer} wrote"})
    assert changed["updateTemplate"]["errors"] == []
    for base in (servers.a, servers.b, servers.b):
        assert servers.search(base)["edges"][0]["node"]["text"] == "gid://practica/User/7 wrote"


def test_an_entry_sent_to_both_servers_is_stored_once(servers: Servers) -> None:
    servers.internal(servers.a, CREATE_RULE, input=ORG_RULE)
    message = _messages(1, sequence_code=str(uuid.uuid4()))
    for base in (servers.a, servers.b, servers.b):  # a producer retrying through the balancer
        assert servers.ingest(base, message) == {"accepted": 1, "errors": []}
    with psycopg.connect(libpq(servers.database_url)) as conn:
        stored = conn.execute("SELECT count(*) FROM entries WHERE sequence_code = %s", (message[0]["sequence_code"],))
        assert stored.fetchone() == (1,)
    assert len(servers.search(servers.b)["edges"]) == 1


def test_a_rule_replaced_under_a_clock_behind_the_latest_change_still_reaches_every_server(servers: Servers) -> None:
    """One rule deleted and another created in one transaction whose ``now()`` is behind the latest change
    (a database clock stepped back, or a transaction that began before a change it then waited on): the
    count of rules, the sum of their revisions and the latest ``updated_at`` all stay the same."""
    servers.internal(servers.b, CREATE_RULE, input={**LESSON_RULE, "name": "old", "tag": "old"})
    servers.internal(servers.b, CREATE_RULE, input=ORG_RULE)  # the latest change
    for base in (servers.a, servers.b, servers.b):  # the processes load the rule book with "old"
        assert servers.ingest(base, _messages(1, LESSON, check_passed=True))["accepted"] == 1
    with psycopg.connect(libpq(servers.database_url)) as conn:
        conn.execute(
            "INSERT INTO tag_rules (name, kind, tag, match, updated_at)"
            " SELECT 'lesson-feed', 'feed', 'lesson:{payload.lesson.id}', '{}', updated_at FROM tag_rules"
            " WHERE name = 'old'"
        )
        conn.execute("DELETE FROM tag_rules WHERE name = 'old'")
    later = _messages(3, LESSON, check_passed=True)
    for base, message in zip((servers.a, servers.b, servers.b), later, strict=True):
        assert servers.ingest(base, [message])["accepted"] == 1
    tagged = servers.search(servers.b, filter={"feedTags": ["lesson:py-1"]})
    assert {edge["node"]["sequenceCode"] for edge in tagged["edges"]} == {message["sequence_code"] for message in later}


@pytest.mark.parametrize("workers", ["0", "-1"])
def test_serve_refuses_fewer_than_one_process_naming_the_option(workers: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "chronicles", "serve", "--workers", workers], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "Invalid value for '--workers'" in result.stderr
