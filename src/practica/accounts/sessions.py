"""Signed-in browsers: a random token in an HttpOnly cookie, its SHA-256 in ``user_sessions``.

A stolen database dump holds no usable session. Sessions end after
:data:`SESSION_LIFETIME`, on sign-out, and all at once when the password is
reset. ``last_seen_at`` is refreshed at most every :data:`TOUCH_EVERY` so a
busy browser does not write on every request.

Each web app remembers a session it has just checked for :data:`RECENT_FOR`
at most (:class:`RecentSessions`, one per app in its services), so a page's
burst of API calls costs one lookup; a session in use is looked up again in
the background before that time runs out
(:class:`servicekit.caching.RefreshAheadCache`), so a busy browser's requests
never wait for it. Ending sessions or changing a role forgets them in the app
that did it at once (and again at commit); another web process notices within
:data:`RECENT_FOR`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi import Request, Response
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.models import User, UserSession
from practica.accounts.tokens import new_token, token_hash
from practica.ids import UserId
from practica.settings import PracticaSettings
from servicekit.caching import RefreshAheadCache, forget_now_and_at_commit

SESSION_COOKIE = "practica_session"
SESSION_LIFETIME = timedelta(days=14)
TOUCH_EVERY = timedelta(minutes=5)
RECENT_FOR = timedelta(seconds=5)
RECENT_AT_MOST = 10_000  # sessions (and users' memberships) one app remembers


class RecentSessions:
    """The sessions one web app checked in the last :data:`RECENT_FOR`: token hash -> user."""

    def __init__(self, ttl: timedelta = RECENT_FOR) -> None:
        self._users: RefreshAheadCache[str, User] = RefreshAheadCache(RECENT_AT_MOST, ttl.total_seconds())

    async def user_of(self, token: str, open_session: Callable[[], AsyncSession]) -> User | None:
        """The user of a live session: remembered, else looked up in a session of its own from ``open_session``.

        The lookup's session is its own (not the request's) because it may also
        run in the background, after the request, to refresh what is remembered.
        """
        hashed = token_hash(token)

        async def look_up() -> User | None:
            async with open_session() as session:
                return await _look_up(session, hashed)

        return await self._users.get_or_load(hashed, look_up)

    def forget(self, token: str) -> None:
        self._users.forget(token_hash(token))

    def forget_user(self, user_id: UserId) -> None:
        """Forget ``user_id``'s sessions (they ended, or the user changed)."""
        self._users.forget_where(lambda user: user.id == user_id)

    async def close(self) -> None:
        await self._users.close()


async def start_session(session: AsyncSession, user_id: UserId) -> str:
    """Open a session for ``user_id``; return the token for the cookie."""
    token = new_token()
    session.add(
        UserSession(token_hash=token_hash(token), user_id=user_id, expires_at=datetime.now(UTC) + SESSION_LIFETIME)
    )
    await session.flush()
    return token


async def _look_up(session: AsyncSession, hashed: str) -> User | None:
    """The session's user, refreshing its ``last_seen_at`` now and then."""
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
    return user


async def end_session(session: AsyncSession, recent: RecentSessions, token: str) -> None:
    forget_now_and_at_commit(session, lambda: recent.forget(token))
    await session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))


async def end_sessions(
    session: AsyncSession, recent: RecentSessions, user_id: UserId, *, keep: str | None = None
) -> None:
    """End every session of ``user_id`` except the one whose token is ``keep``."""
    forget_now_and_at_commit(session, lambda: recent.forget_user(user_id))
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
