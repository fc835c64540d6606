"""Signed-in browsers: a random token in an HttpOnly cookie, its SHA-256 in ``user_sessions``.

A stolen database dump holds no usable session. Sessions end after
:data:`SESSION_LIFETIME`, on sign-out, and all at once when the password is
reset. ``last_seen_at`` is refreshed at most every :data:`TOUCH_EVERY` so a
busy browser does not write on every request.

Each web process remembers a session it has just checked for
:data:`RECENT_FOR` at most (staggered, so that users met together are not
looked up again together), so a page's burst of API calls costs one lookup. Ending
sessions or changing a role forgets them here at once; another web process
notices within :data:`RECENT_FOR`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cachetools import TLRUCache
from fastapi import Request, Response
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.models import User, UserSession
from practica.accounts.tokens import new_token, token_hash
from practica.settings import PracticaSettings
from servicekit.caching import staggered_cache

SESSION_COOKIE = "practica_session"
SESSION_LIFETIME = timedelta(days=14)
TOUCH_EVERY = timedelta(minutes=5)
RECENT_FOR = timedelta(seconds=5)
_recent: TLRUCache[str, User] = staggered_cache(10_000, RECENT_FOR.total_seconds())


async def start_session(session: AsyncSession, user_id: int) -> str:
    """Open a session for ``user_id``; return the token for the cookie."""
    token = new_token()
    session.add(
        UserSession(token_hash=token_hash(token), user_id=user_id, expires_at=datetime.now(UTC) + SESSION_LIFETIME)
    )
    await session.flush()
    return token


def remembered_user(token: str) -> User | None:
    """The user of a session this process checked within :data:`RECENT_FOR`, without asking the database."""
    return _recent.get(token_hash(token))


async def session_user(session: AsyncSession, token: str) -> User | None:
    """The user of a live session, refreshing its ``last_seen_at`` now and then."""
    hashed = token_hash(token)
    if (remembered := _recent.get(hashed)) is not None:
        return remembered
    row = (
        await session.execute(
            select(User, UserSession.last_seen_at)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.token_hash == hashed, UserSession.expires_at > func.now())
        )
    ).one_or_none()
    if row is None:
        return None
    user, last_seen = row
    if last_seen < datetime.now(UTC) - TOUCH_EVERY:
        await session.execute(
            update(UserSession).where(UserSession.token_hash == hashed).values(last_seen_at=func.now())
        )
    _recent[hashed] = user
    return user


def forget_all() -> None:
    """Drop every remembered session (for a process that changes databases: tests)."""
    _recent.clear()


def forget_user(user_id: int) -> None:
    """Drop this process's memory of ``user_id``'s sessions (they ended, or the user changed)."""
    for hashed in [hashed for hashed, user in _recent.items() if user.id == user_id]:
        _recent.pop(hashed, None)


async def end_session(session: AsyncSession, token: str) -> None:
    _recent.pop(token_hash(token), None)
    await session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))


async def end_sessions(session: AsyncSession, user_id: int, *, keep: str | None = None) -> None:
    """End every session of ``user_id`` except the one whose token is ``keep``."""
    forget_user(user_id)
    statement = delete(UserSession).where(UserSession.user_id == user_id)
    if keep:
        statement = statement.where(UserSession.token_hash != token_hash(keep))
    await session.execute(statement)


def uses_https(request: Request, settings: PracticaSettings) -> bool:
    """Cookies are Secure when this request came over HTTPS or the public URL is HTTPS."""
    return request.url.scheme == "https" or settings.practica_public_url.startswith("https://")


def set_session_cookie(response: Response, token: str, *, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
