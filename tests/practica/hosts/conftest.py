"""Fixtures: sessions on a fresh database (the eval hosts themselves are in tests/practica/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine


@pytest.fixture
async def sessions(practica_db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(practica_db_url)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()
