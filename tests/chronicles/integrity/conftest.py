"""The chain's tests: a synchronous connection for setting up (and tampering), and the CLI against the database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from tests.chronicles.conftest import libpq


@pytest.fixture
def db(chronicles_db_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(libpq(chronicles_db_url), autocommit=True) as conn:
        yield conn


@pytest.fixture
def chronicles_cli(chronicles_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CHRONICLES_DATABASE_URL", chronicles_db_url)
    monkeypatch.setenv("PRACTICA_HOME", str(tmp_path))
    return CliRunner()
