"""Chronicles' security tests: the real ``chronicles serve`` on a database of its own, and what an attacker sends.

One service per test session and pytest worker (a process start costs
seconds): the tests share it and compare counts before and after what they
send, or look for data of their own.
"""

from __future__ import annotations

import socket
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from chronicles.api.tokens import mint, signing_key
from chronicles.ingest.producers import mint_producer_token, producer_key
from chronicles.settings import ChroniclesSettings
from tests.conftest import _database_url, _drop, _recreate, cpu_seconds, free_port, started_service

ADMIN_TOKEN = "security-admin-token"


@dataclass
class Chronicles:
    """A running Chronicles: where it listens, its database, its data directory and its log."""

    base: str
    database_url: str
    home: Path
    log: Path
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time the service has used so far: what a request cost it, whatever else the machine is doing."""
        return cpu_seconds(self.pid)

    @property
    def settings(self) -> ChroniclesSettings:
        return ChroniclesSettings(chronicles_database_url=self.database_url, practica_home=self.home)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.base.removeprefix("http://").split(":")
        return host, int(port)

    def producer(self, *apps: str, issued: datetime | None = None) -> dict[str, str]:
        """``Authorization`` with a producer token for ``apps`` (10 minutes), signed with the data directory's key."""
        key = producer_key(self.settings)
        token = mint_producer_token(key, apps, timedelta(minutes=10), "security-tests", now=issued)
        return {"Authorization": f"Bearer {token}"}

    def viewer(self, *tags: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint(signing_key(self.settings), tags, timedelta(minutes=10))}"}

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.post(self.base + path, timeout=30, **kwargs)

    def rows(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.database_url) as conn:
            return conn.execute(query.encode(), params or None).fetchall()

    def count(self, query: str, *params: object) -> int:
        value = self.rows(query, *params)[0][0]
        assert isinstance(value, int)
        return value

    def stored(self) -> tuple[int, int]:
        """(entries, dead-letter deliveries): what a refused request must leave as it was."""
        return self.count("SELECT count(*) FROM entries"), self.count(
            "SELECT coalesce(sum(deliveries), 0) FROM dead_letters"
        )

    def raw_request(self, head: bytes, body: bytes = b"", read_timeout: float = 30) -> bytes:
        """Send bytes on a socket of its own (no client library in between); the whole answer.

        A server still waiting for the rest of the body times the read out: the test fails.
        """
        with socket.create_connection(self.address, timeout=read_timeout) as sock:
            sock.sendall(head + body)
            answer = b""
            while not _complete(answer) and (received := sock.recv(65536)):
                answer += received
            return answer


def _complete(answer: bytes) -> bool:
    head, separator, body = answer.partition(b"\r\n\r\n")
    if not separator:
        return False
    length = next(
        (line.split(b":")[1] for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")), b"0"
    )
    return len(body) >= int(length)


@pytest.fixture(scope="session")
def chronicles_service(
    admin_uri: str, chronicles_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Chronicles]:
    """Chronicles as ``make run`` starts it (the intake closed), with an admin token for the internal API."""
    with _service(admin_uri, chronicles_template, tmp_path_factory, {"CHRONICLES_ADMIN_TOKEN": ADMIN_TOKEN}) as made:
        yield made


@pytest.fixture(scope="session")
def chronicles_open_service(
    admin_uri: str, chronicles_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Chronicles]:
    """Chronicles with ``CHRONICLES_INTAKE_OPEN=true``."""
    with _service(admin_uri, chronicles_template, tmp_path_factory, {"CHRONICLES_INTAKE_OPEN": "true"}) as made:
        yield made


@contextmanager
def _service(
    admin_uri: str, template: str, tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]
) -> Iterator[Chronicles]:
    name = f"sec_{uuid.uuid4().hex[:12]}"
    _recreate(admin_uri, name, template)
    home = tmp_path_factory.mktemp("chronicles-home")
    port = free_port()
    database_url = _database_url(admin_uri, name)
    variables = {"CHRONICLES_DATABASE_URL": database_url, "PRACTICA_HOME": str(home), **env}
    argv = [sys.executable, "-m", "chronicles", "serve", "--port", str(port)]
    try:
        with started_service(argv, variables, f"http://127.0.0.1:{port}", log=home / "chronicles.log") as service:
            libpq = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
            yield Chronicles(service.base, libpq, home, home / "chronicles.log", service.pid)
    finally:
        _drop(admin_uri, name)
