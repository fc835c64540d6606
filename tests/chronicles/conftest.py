"""Chronicles fixtures: the service on a fresh database, and a psycopg connection to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from chronicles.app import create_app
from chronicles.ingest.producers import mint_producer_token, producer_key
from chronicles.settings import ChroniclesSettings

PRODUCER_APPS = ("practica", "forum", "plat")  # every app the tests' entries come from


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(False)


def producer_headers(settings: ChroniclesSettings, apps: tuple[str, ...] = PRODUCER_APPS) -> dict[str, str]:
    """``Authorization`` for ``POST /entries``: a producer token for ``apps``, signed with the service's key."""
    token = mint_producer_token(producer_key(settings), apps, timedelta(hours=1), "tests")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def chronicles_settings(chronicles_db_url: str, tmp_path: Path) -> ChroniclesSettings:
    return ChroniclesSettings(chronicles_database_url=chronicles_db_url, practica_home=tmp_path)


@pytest.fixture
def chronicles_client(chronicles_settings: ChroniclesSettings) -> Iterator[TestClient]:
    with TestClient(create_app(chronicles_settings), headers=producer_headers(chronicles_settings)) as client:
        yield client


@pytest.fixture
async def chronicles_conn(chronicles_db_url: str) -> AsyncIterator[psycopg.AsyncConnection]:
    conn = await psycopg.AsyncConnection.connect(libpq(chronicles_db_url), autocommit=True)
    yield conn
    await conn.close()
