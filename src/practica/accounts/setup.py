"""The one-time setup link of a new install: how the first person becomes admin.

While no user is an admin, ``practica up`` issues a link (:func:`issue_setup_token`)
and prints it where only whoever started the platform reads it. The signed-in user
who opens it becomes admin (:func:`redeem_setup_token`); the link then stops working,
and once an admin exists no new link is issued and an old one is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.errors import AccountError
from practica.accounts.models import Role, SetupToken, User
from practica.accounts.service import set_role
from practica.accounts.sessions import RecentSessions
from practica.accounts.tokens import new_token, token_hash
from practica.ids import UserId

SETUP_LIFETIME = timedelta(hours=24)
MAX_TOKEN_LENGTH = 128  # the tokens are 43 characters: anything far longer is not one of ours
UNKNOWN_SETUP_LINK = "This setup link is not one this platform issued: copy the newest one from `practica up`"
USED_SETUP_LINK = "This setup link was already used: each link makes one admin"
EXPIRED_SETUP_LINK = "This setup link has expired: restart `practica up` for a new one"
ADMIN_EXISTS = "This platform already has an admin: ask them to promote you"


async def has_admin(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(select(User.id).where(User.role == Role.ADMIN.value).exists())))


async def issue_setup_token(session: AsyncSession) -> str | None:
    """A fresh setup token, or None when an admin exists; earlier unused tokens stop working."""
    if await has_admin(session):
        return None
    await session.execute(
        update(SetupToken)
        .where(SetupToken.used_at.is_(None), SetupToken.expires_at > func.now())
        .values(expires_at=func.now())
    )
    token = new_token()
    session.add(SetupToken(token_hash=token_hash(token), expires_at=datetime.now(UTC) + SETUP_LIFETIME))
    await session.flush()
    return token


async def redeem_setup_token(session: AsyncSession, recent: RecentSessions, token: str, user_id: UserId) -> User:
    """Make the user admin with a live token, once (atomically); otherwise a 4xx saying why."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise AccountError(400, f"token: longer than {MAX_TOKEN_LENGTH} characters, so not a setup link")
    used = await session.scalar(
        update(SetupToken)
        .where(
            SetupToken.token_hash == token_hash(token),
            SetupToken.used_at.is_(None),
            SetupToken.expires_at > func.now(),
        )
        .values(used_at=func.now(), used_by=user_id)
        .returning(SetupToken.token_hash)
    )
    if used is None:
        raise await _refusal(session, token)
    if await has_admin(session):  # raising rolls the transaction back: the token stays unused
        raise AccountError(409, ADMIN_EXISTS)
    user = await session.get(User, user_id, with_for_update=True)
    if user is None:
        raise AccountError(401, "Sign in first")
    await set_role(session, recent, user, Role.ADMIN)
    return user


async def _refusal(session: AsyncSession, token: str) -> AccountError:
    known = await session.get(SetupToken, token_hash(token))
    if known is None:
        return AccountError(404, UNKNOWN_SETUP_LINK)
    if known.used_at is not None:
        return AccountError(410, USED_SETUP_LINK)
    return AccountError(410, EXPIRED_SETUP_LINK)
