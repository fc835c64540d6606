"""FastAPI dependencies for any route: who is signed in, CSRF, and a transaction.

::

    @router.post("/things")
    async def make(user: CurrentUser, ...) -> ...: ...          # 401 {"detail": "Sign in first"}

Role checks are in :mod:`practica.accounts.permissions`. Routes use ``str(user.id)`` as the learner key.
Everything here reads the app's services (``app.state.services``, built by the app factory):
:func:`core_services` is the accounts layer's view of them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.core import CoreServices
from practica.accounts.csrf import csrf_protect
from practica.accounts.errors import SIGN_IN_FIRST, AccountError
from practica.accounts.models import User
from practica.accounts.sessions import SESSION_COOKIE
from practica.settings import PracticaSettings
from servicekit.reads import Reads

__all__ = [
    "Core",
    "CurrentUser",
    "OptionalUser",
    "core_services",
    "csrf_protect",
    "current_user",
    "optional_user",
    "reads_of",
    "settings_of",
    "transaction",
]


def core_services(request: Request) -> CoreServices:
    """The app's services (:class:`practica.services.Services`), as far as the accounts layer knows them."""
    found = request.app.state.services
    assert isinstance(found, CoreServices)
    return found


Core = Annotated[CoreServices, Depends(core_services)]


def settings_of(request: Request) -> PracticaSettings:
    return core_services(request).settings


@asynccontextmanager
async def transaction(request: Request) -> AsyncIterator[AsyncSession]:
    """A session in a transaction, committed when the block ends without an exception."""
    async with core_services(request).database.transaction() as session:
        yield session


def reads_of(request: Request) -> Reads:
    """Reads for the hot paths (:class:`servicekit.reads.PoolReads`): each statement on its own, no session."""
    return core_services(request).database.reads


async def optional_user(request: Request) -> User | None:
    """The signed-in user, or ``None``."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    services = core_services(request)
    sessions, reader = services.database.sessions, services.database.reader
    # autocommit: the lookup's one write (last seen) is a statement of its own
    return await services.recent_sessions.user_of(token, lambda: sessions(bind=reader))


async def current_user(request: Request) -> User:
    """The signed-in user; 401 when nobody is (one dependency, not two: each costs on every request)."""
    user = await optional_user(request)
    if user is None:
        raise AccountError(401, SIGN_IN_FIRST)
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]
