"""Chronicles fixtures: the service on a fresh database, and a psycopg connection to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from chronicles.app import create_app
from chronicles.settings import ChroniclesSettings


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(False)


@pytest.fixture
def chronicles_settings(chronicles_db_url: str, tmp_path: Path) -> ChroniclesSettings:
    return ChroniclesSettings(chronicles_database_url=chronicles_db_url, practica_home=tmp_path)


@pytest.fixture
def chronicles_client(chronicles_settings: ChroniclesSettings) -> Iterator[TestClient]:
    with TestClient(create_app(chronicles_settings)) as client:
        yield client


@pytest.fixture
async def chronicles_conn(chronicles_db_url: str) -> AsyncIterator[psycopg.AsyncConnection]:
    conn = await psycopg.AsyncConnection.connect(libpq(chronicles_db_url), autocommit=True)
    yield conn
    await conn.close()
