"""A real Chronicles service (``chronicles serve``) for Practica's events to reach."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port, running_service


@pytest.fixture
def chronicles_service(chronicles_db_url: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {"CHRONICLES_DATABASE_URL": chronicles_db_url, "PRACTICA_HOME": str(tmp_path)}
    argv = [sys.executable, "-m", "chronicles", "serve", "--port", str(port)]
    with running_service(argv, env, f"http://127.0.0.1:{port}") as base:
        yield base
