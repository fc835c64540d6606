"""FastAPI dependencies for any route: who is signed in, CSRF, and a transaction.

::

    @router.post("/things")
    async def make(user: CurrentUser, ...) -> ...: ...          # 401 {"detail": "Sign in first"}

Role checks are in :mod:`practica.accounts.permissions`. Routes use ``str(user.id)`` as the learner key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from practica.accounts.csrf import csrf_protect
from practica.accounts.errors import SIGN_IN_FIRST, AccountError
from practica.accounts.models import User
from practica.accounts.sessions import SESSION_COOKIE, signed_in_user
from practica.settings import PracticaSettings
from servicekit.reads import Reads

__all__ = [
    "CurrentUser",
    "OptionalUser",
    "csrf_protect",
    "current_user",
    "optional_user",
    "reads_of",
    "settings_of",
    "transaction",
]


def settings_of(request: Request) -> PracticaSettings:
    settings: PracticaSettings = request.app.state.settings
    return settings


@asynccontextmanager
async def transaction(request: Request) -> AsyncIterator[AsyncSession]:
    """A session in a transaction, committed when the block ends without an exception."""
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session, session.begin():
        yield session


def _reader(request: Request) -> AsyncEngine:
    """The app's engine in autocommit mode (made once: deriving it per request costs as much as a query)."""
    reader: AsyncEngine = request.app.state.reader
    return reader


def reads_of(request: Request) -> Reads:
    """Reads for the hot paths (:class:`servicekit.reads.PoolReads`): each statement on its own, no session."""
    reads: Reads = request.app.state.reads
    return reads


async def optional_user(request: Request) -> User | None:
    """The signed-in user, or ``None``."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    reader = _reader(request)  # autocommit: the lookup's one write (last seen) is a statement of its own
    return await signed_in_user(token, lambda: sessions(bind=reader))


async def current_user(request: Request) -> User:
    """The signed-in user; 401 when nobody is (one dependency, not two: each costs on every request)."""
    user = await optional_user(request)
    if user is None:
        raise AccountError(401, SIGN_IN_FIRST)
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]
