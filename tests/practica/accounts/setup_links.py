"""Setup links as ``practica up`` issues them, for the setup-link tests."""

from __future__ import annotations

import asyncio

from practica.accounts.setup import issue_setup_token
from servicekit.database import make_engine, make_sessionmaker


def issue(database_url: str) -> str | None:
    """What ``practica up`` does at start: a new setup token, or None when an admin exists."""
    return asyncio.run(_issue(database_url))


async def _issue(database_url: str) -> str | None:
    engine = make_engine(database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            return await issue_setup_token(session)
    finally:
        await engine.dispose()
